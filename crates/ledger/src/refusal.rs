//! Why the book refuses a change: one type for every reason a domain rule says no.
//!
//! A refusal is data, not a sentence: callers and the UI branch on its [`Refusal::code`], its
//! [`Refusal::kind`] and its [`Refusal::field`]; [`std::fmt::Display`] gives the sentence a
//! person reads. Bulk moves, payment files and statement confirms list the rows they leave
//! alone with one of these each.
//!
//! Ground floor: imports only ids and the lifecycles.

use crate::ids::{AccountId, PayoutId, RequestId, RunId};
use crate::lifecycle::{PayoutStatus, RequestStatus};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("It is already {}.", .0.label())]
    AlreadyInStatus(PayoutStatus),
    #[error("{} cannot move to {}.", .from.label(), .to.label())]
    MoveNotAllowed {
        from: PayoutStatus,
        to: PayoutStatus,
    },
    #[error("Moving a Success back to Failed needs a note saying why (returned, reversed…).")]
    NoteRequired,
    #[error("Say why it failed: choose a reason.")]
    FailureReasonRequired,
    #[error("The reason is Other: say in the note what went wrong.")]
    FailureNoteRequired,
    #[error("Say in the note why it is cancelled.")]
    CancelReasonRequired,
    /// A Failed payout is not retried while its request has another open payout.
    #[error("Its request already has payout {0}, which is neither Failed nor Cancelled.")]
    OtherPayoutOpen(PayoutId),
    #[error("It is {}, not Pending.", .0.label())]
    NotPending(PayoutStatus),
    #[error("There is no payout {0}.")]
    NoSuchPayout(PayoutId),

    #[error("Request {0} is not approved yet. Approve it on the Incentive requests screen first.")]
    RequestNotApproved(RequestId),
    #[error("Request {0} was rejected; it cannot be paid.")]
    RequestRejected(RequestId),
    #[error("Request {0} was voided; it will never be paid.")]
    RequestVoided(RequestId),
    #[error("Request {request} already has payout {open}, which is neither Failed nor Cancelled.")]
    RequestAlreadyPaid { request: RequestId, open: PayoutId },
    #[error("Request {request} is {}; only an approved request can be voided.", .was.label())]
    NotVoidable {
        request: RequestId,
        was: RequestStatus,
    },
    /// A request is voided only when no payout stands for it.
    #[error("Request {request} has payout {payout}, which is neither Failed nor Cancelled; cancel that payout first.")]
    VoidWithOpenPayout {
        request: RequestId,
        payout: PayoutId,
    },
    #[error("Request {request} was already {}; a decision is final.", .was.label())]
    DecisionFinal {
        request: RequestId,
        was: RequestStatus,
    },
    /// A request's amount is what its payouts copied: it is corrected only before the first.
    #[error("Request {request} already has payout {payout}; its amount stays what that payout was made for.")]
    AmountFixedByPayout {
        request: RequestId,
        payout: PayoutId,
    },
    #[error("{name} ({username}) has no payment account yet. Add one on the Customers screen, then create the payout.")]
    NoPaymentAccount { name: String, username: String },
    #[error("Payment account {0} is archived; add a new account instead.")]
    AccountArchived(AccountId),
    #[error("Payment account {0} is archived and cannot be the default.")]
    ArchivedCannotBeDefault(AccountId),
    #[error("Payment account {0} is already archived.")]
    AccountAlreadyArchived(AccountId),
    #[error("Program {0} is already archived.")]
    ProgramAlreadyArchived(String),
    #[error("The username {0} is already taken.")]
    UsernameTaken(String),

    #[error("It is not paid to a PayPal or Venmo account.")]
    NotAWallet,
    #[error("PayPal pays to an e-mail address, a phone number or a PayPal payer ID; this account has a username.")]
    PaypalRecipientKind,
    #[error("Venmo pays in US dollars only; it is in {0}.")]
    VenmoUsdOnly(&'static str),
    #[error("Venmo pays to a US phone number or a Venmo username only.")]
    VenmoRecipientKind,
    #[error("PayPal pays {0} in whole units only; this amount has a fraction.")]
    WholeUnitsOnly(&'static str),
    #[error("It is paid to a {0} account, not a bank account.")]
    NotABankAccount(&'static str),
    #[error("SEPA transfers are in euros; it is in {0}.")]
    NotInEuro(&'static str),
    #[error("Wise needs the account's IBAN, or for USD its routing and account number.")]
    NoWiseBankDetails,
    #[error("The account has no IBAN.")]
    NoIban,
    /// Wise pays an IBAN in its country's own currency.
    #[error("Wise pays {country} IBANs in {local}; this payout is in {currency}.")]
    WiseIbanCurrency {
        country: String,
        local: String,
        currency: &'static str,
    },
    /// A payout a payment file may still pay is not cancelled.
    #[error("It is in payment run {0}, which may still pay it; if it was not paid, move it to Failed first.")]
    InPaymentRun(RunId),
    #[error("It went into payment run {0} after this one; that run pays it.")]
    PaidByLaterRun(RunId),
    #[error("It failed after this run was written, so this run did not pay it.")]
    FailedSinceRun,
    #[error("SEPA transfers do not reach {0} IBANs; pay it another way, such as Wise.")]
    NotSepaCountry(String),
    #[error("One SEPA transfer carries at most 999,999,999.99 EUR.")]
    AboveSepaMaximum,

    #[error("That statement line is not in this import.")]
    LineNotInImport,
    #[error("That statement line was confirmed before.")]
    LineConfirmedBefore,
    #[error("That line was dismissed; restore it first.")]
    LineDismissed,
    #[error("{0} is not in the payment file that line books.")]
    PayoutNotInFile(PayoutId),
    #[error("That line is neither a payment nor a return.")]
    LineNeitherPaymentNorReturn,
    #[error("The provider has not completed that line yet; confirm it once it is booked.")]
    LinePending,
    #[error("That line is in {line}, the payout in {payout}.")]
    LineCurrencyDiffers { line: String, payout: String },
    #[error("That line's amount is not the payout's.")]
    LineAmountDiffers,
    #[error("A return is for a payout that went out; this one is {}.", .0.label())]
    ReturnOfUnsentPayout(PayoutStatus),
}

impl Refusal {
    /// A stable name for the reason, for code that branches on it (`no_payment_account`).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::AlreadyInStatus(_) => "already_in_status",
            Refusal::MoveNotAllowed { .. } => "move_not_allowed",
            Refusal::NoteRequired => "note_required",
            Refusal::FailureReasonRequired => "failure_reason_required",
            Refusal::FailureNoteRequired => "failure_note_required",
            Refusal::CancelReasonRequired => "cancel_reason_required",
            Refusal::OtherPayoutOpen(_) => "other_payout_open",
            Refusal::NotPending(_) => "not_pending",
            Refusal::NoSuchPayout(_) => "no_such_payout",
            Refusal::RequestNotApproved(_) => "request_not_approved",
            Refusal::RequestRejected(_) => "request_rejected",
            Refusal::RequestVoided(_) => "request_voided",
            Refusal::RequestAlreadyPaid { .. } => "request_already_paid",
            Refusal::NotVoidable { .. } => "not_voidable",
            Refusal::VoidWithOpenPayout { .. } => "void_with_open_payout",
            Refusal::DecisionFinal { .. } => "decision_final",
            Refusal::AmountFixedByPayout { .. } => "amount_fixed_by_payout",
            Refusal::NoPaymentAccount { .. } => "no_payment_account",
            Refusal::AccountArchived(_) => "account_archived",
            Refusal::ArchivedCannotBeDefault(_) => "archived_cannot_be_default",
            Refusal::AccountAlreadyArchived(_) => "account_already_archived",
            Refusal::ProgramAlreadyArchived(_) => "program_already_archived",
            Refusal::UsernameTaken(_) => "username_taken",
            Refusal::NotAWallet => "not_a_wallet",
            Refusal::PaypalRecipientKind => "paypal_recipient_kind",
            Refusal::VenmoUsdOnly(_) => "venmo_usd_only",
            Refusal::VenmoRecipientKind => "venmo_recipient_kind",
            Refusal::WholeUnitsOnly(_) => "whole_units_only",
            Refusal::NotABankAccount(_) => "not_a_bank_account",
            Refusal::NotInEuro(_) => "not_in_euro",
            Refusal::NoWiseBankDetails => "no_wise_bank_details",
            Refusal::NoIban => "no_iban",
            Refusal::WiseIbanCurrency { .. } => "wise_iban_currency",
            Refusal::NotSepaCountry(_) => "not_sepa_country",
            Refusal::InPaymentRun(_) => "in_payment_run",
            Refusal::PaidByLaterRun(_) => "paid_by_later_run",
            Refusal::FailedSinceRun => "failed_since_run",
            Refusal::AboveSepaMaximum => "above_sepa_maximum",
            Refusal::LineNotInImport => "line_not_in_import",
            Refusal::LineConfirmedBefore => "line_confirmed_before",
            Refusal::LineDismissed => "line_dismissed",
            Refusal::PayoutNotInFile(_) => "payout_not_in_file",
            Refusal::LineNeitherPaymentNorReturn => "line_neither_payment_nor_return",
            Refusal::LinePending => "line_pending",
            Refusal::LineCurrencyDiffers { .. } => "line_currency_differs",
            Refusal::LineAmountDiffers => "line_amount_differs",
            Refusal::ReturnOfUnsentPayout(_) => "return_of_unsent_payout",
        }
    }

    /// The error kind of the house rules: a move the current state does not allow or a
    /// duplicate is a `conflict`; something that must happen first is a `precondition`.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::NoteRequired
            | Refusal::FailureReasonRequired
            | Refusal::FailureNoteRequired
            | Refusal::CancelReasonRequired => "validation",
            Refusal::NoSuchPayout(_) => "not_found",
            Refusal::RequestNotApproved(_)
            | Refusal::RequestRejected(_)
            | Refusal::RequestVoided(_)
            | Refusal::NoPaymentAccount { .. }
            | Refusal::AccountArchived(_)
            | Refusal::ArchivedCannotBeDefault(_)
            | Refusal::AccountAlreadyArchived(_)
            | Refusal::ProgramAlreadyArchived(_)
            | Refusal::NotAWallet
            | Refusal::PaypalRecipientKind
            | Refusal::VenmoUsdOnly(_)
            | Refusal::VenmoRecipientKind
            | Refusal::WholeUnitsOnly(_)
            | Refusal::NotABankAccount(_)
            | Refusal::NotInEuro(_)
            | Refusal::NoWiseBankDetails
            | Refusal::NoIban
            | Refusal::WiseIbanCurrency { .. }
            | Refusal::NotSepaCountry(_)
            | Refusal::AboveSepaMaximum => "precondition",
            Refusal::AlreadyInStatus(_)
            | Refusal::MoveNotAllowed { .. }
            | Refusal::OtherPayoutOpen(_)
            | Refusal::NotPending(_)
            | Refusal::RequestAlreadyPaid { .. }
            | Refusal::NotVoidable { .. }
            | Refusal::VoidWithOpenPayout { .. }
            | Refusal::DecisionFinal { .. }
            | Refusal::AmountFixedByPayout { .. }
            | Refusal::InPaymentRun(_)
            | Refusal::PaidByLaterRun(_)
            | Refusal::FailedSinceRun
            | Refusal::UsernameTaken(_)
            | Refusal::LineNotInImport
            | Refusal::LineConfirmedBefore
            | Refusal::LineDismissed
            | Refusal::PayoutNotInFile(_)
            | Refusal::LineNeitherPaymentNorReturn
            | Refusal::LinePending
            | Refusal::LineCurrencyDiffers { .. }
            | Refusal::LineAmountDiffers
            | Refusal::ReturnOfUnsentPayout(_) => "conflict",
        }
    }

    /// The form field the sentence belongs next to, where there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::AlreadyInStatus(_)
            | Refusal::MoveNotAllowed { .. }
            | Refusal::OtherPayoutOpen(_) => Some("status"),
            Refusal::NoteRequired
            | Refusal::FailureNoteRequired
            | Refusal::CancelReasonRequired => Some("note"),
            Refusal::FailureReasonRequired => Some("failure_reason"),
            Refusal::AmountFixedByPayout { .. } => Some("amount"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disallowed_move_is_a_conflict_on_the_status_field() {
        let refusal = Refusal::MoveNotAllowed {
            from: PayoutStatus::Success,
            to: PayoutStatus::Pending,
        };
        assert_eq!(refusal.to_string(), "Success cannot move to Pending.");
        assert_eq!(
            (refusal.kind(), refusal.field(), refusal.code()),
            ("conflict", Some("status"), "move_not_allowed")
        );
        assert_eq!(Refusal::NoteRequired.field(), Some("note"));
    }
}
