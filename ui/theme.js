// Light or dark: as the system says (following it when it changes), or as chosen in Settings.
// The choice is this computer's, kept in the webview's local storage, not in the book.

const KEY = 'incentise-theme';
const system = window.matchMedia('(prefers-color-scheme: dark)');

/** 'system', 'light' or 'dark'. */
export const themeChoice = () => localStorage.getItem(KEY) ?? 'system';

function apply() {
  const choice = themeChoice();
  const dark = choice === 'dark' || (choice === 'system' && system.matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
}

export function chooseTheme(choice) {
  localStorage.setItem(KEY, choice);
  apply();
}

system.addEventListener('change', apply);
apply();
