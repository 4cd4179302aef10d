//! Bringing customers (each with a payment account, if the file has one) and approved requests
//! in from another tool's CSV export, through a column mapping saved per source, as bank
//! statements are read (`statements::mapped`): the delimiter, UTF-8 or Latin-1, the lines
//! before the header and which column holds what.
//!
//! Invariants:
//! - a check reads the file and the book and writes nothing: every line's problem is named
//!   with its line number (a bad IBAN, an unknown currency, a username taken or repeated, an
//!   unknown customer or program);
//! - an import checks again inside its one write transaction and writes the lines without a
//!   problem as one batch, each record with the same audit event a create by hand gives it (a
//!   request: created, then approved);
//! - every line carries an external id (the other tool's own id of the record): it becomes the
//!   record's create key (`retries`), so a second import of the file, or of a later export
//!   holding the same records, adds only the lines not imported before.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use crate::accounts::{AccountDetails, AccountInput, HandleKind, Provider};
use crate::audit::{Origin, WriteTx};
use crate::customers::{CleanCustomer, CustomerInput};
use crate::error::{Error, Result};
use crate::ids::{CustomerId, ProgramId};
use crate::money::{Currency, Money};
use crate::progress::Progress;
use crate::requests::RequestStatus;
use crate::statements::{decimal_mark, read_amount, DecimalMark, TextEncoding, DELIMITERS};
use crate::text::{self, Lines};
use crate::Ledger;

/// The largest file an import reads: 10,000 customers with accounts are about 2 MB.
const MOST_BYTES: usize = 32 << 20;
/// The most lines one import takes.
const MOST_LINES: usize = 100_000;
/// Lines between two progress reports.
const PROGRESS_EVERY: usize = 500;

/// What a file brings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Customers, each with one payment account where the line has one.
    Customers,
    /// Approved requests of customers the book has.
    Requests,
}

impl RecordKind {
    fn key_prefix(self) -> &'static str {
        match self {
            RecordKind::Customers => "import:customer",
            RecordKind::Requests => "import:request",
        }
    }
}

/// A field a line may carry, each read from the column the mapping names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The other tool's own id of the record (every kind).
    ExternalId,
    /// The customer's username (customers), or whose request it is (requests).
    Username,
    /// The name, or the first name where the file has the last name apart.
    Name,
    LastName,
    Email,
    /// A PayPal account: the e-mail address it is known by.
    PaypalEmail,
    /// A bank account: its IBAN, and the BIC and holder where the file has them (the holder
    /// defaults to the customer's name).
    Iban,
    Bic,
    AccountHolder,
    Amount,
    Currency,
    /// The name of an incentive program the book has.
    Program,
    Note,
}

impl Field {
    /// The fields a kind reads, required ones first.
    pub fn of(kind: RecordKind) -> &'static [(Field, bool)] {
        match kind {
            RecordKind::Customers => &[
                (Field::ExternalId, true),
                (Field::Username, true),
                (Field::Name, true),
                (Field::LastName, false),
                (Field::Email, false),
                (Field::PaypalEmail, false),
                (Field::Iban, false),
                (Field::Bic, false),
                (Field::AccountHolder, false),
            ],
            RecordKind::Requests => &[
                (Field::ExternalId, true),
                (Field::Username, true),
                (Field::Amount, true),
                (Field::Currency, false),
                (Field::Program, false),
                (Field::Note, false),
            ],
        }
    }

    fn label(self) -> &'static str {
        match self {
            Field::ExternalId => "External id",
            Field::Username => "Username",
            Field::Name => "Name",
            Field::LastName => "Last name",
            Field::Email => "E-mail",
            Field::PaypalEmail => "PayPal e-mail",
            Field::Iban => "IBAN",
            Field::Bic => "BIC",
            Field::AccountHolder => "Account holder",
            Field::Amount => "Amount",
            Field::Currency => "Currency",
            Field::Program => "Program",
            Field::Note => "Note",
        }
    }
}

/// How to read one source's files of one kind; saved under the kind and source and offered
/// again next time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMapping {
    pub kind: RecordKind,
    /// Where the file comes from ("Shopify customers"): part of every record's create key, so
    /// two tools' id 17 are two records.
    pub source: String,
    pub delimiter: char,
    pub encoding: TextEncoding,
    /// Lines before the header row.
    #[serde(default)]
    pub skip_lines: usize,
    /// `1.234,56` rather than `1,234.56`.
    #[serde(default)]
    pub decimal_comma: bool,
    /// The header of the column holding each field; a field without one is not in the file.
    pub columns: BTreeMap<Field, String>,
    /// Requests: the currency of every line, when the file has no currency column.
    #[serde(default)]
    pub currency: String,
}

impl RecordMapping {
    /// The mapping checked: a source, a delimiter the app knows, a column for every required
    /// field, and a currency for requests.
    pub fn clean(mut self) -> Result<RecordMapping> {
        self.source = text::required("source", "Source", &self.source, 60, Lines::One)?;
        if !DELIMITERS.contains(&self.delimiter) {
            return Err(Error::validation(
                "delimiter",
                "The delimiter is one of , ; tab or |.",
            ));
        }
        self.columns = std::mem::take(&mut self.columns)
            .into_iter()
            .map(|(field, column)| (field, column.trim().to_owned()))
            .filter(|(field, column)| {
                !column.is_empty() && Field::of(self.kind).iter().any(|(f, _)| f == field)
            })
            .collect();
        for (field, required) in Field::of(self.kind) {
            if *required && !self.columns.contains_key(field) {
                return Err(Error::validation(
                    "columns",
                    format!("Choose the column that holds the {}.", field.label()),
                ));
            }
        }
        self.currency = self.currency.trim().to_uppercase();
        if self.kind == RecordKind::Requests
            && !self.columns.contains_key(&Field::Currency)
            && Currency::from_code(&self.currency).is_none()
        {
            return Err(Error::validation(
                "currency",
                "Choose the currency column, or the one currency of every line.",
            ));
        }
        Ok(self)
    }

    fn mark(&self) -> DecimalMark {
        if self.decimal_comma {
            DecimalMark::Comma
        } else {
            DecimalMark::Point
        }
    }
}

/// A line that will not be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineProblem {
    pub line_no: i64,
    pub problem: String,
}

/// What an import of the file would do: nothing is written to find out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordCheck {
    pub lines: usize,
    /// Lines that would be written.
    pub ready: usize,
    /// Lines imported before (their external id is known): left as they are.
    pub known: usize,
    pub problems: Vec<LineProblem>,
    /// What the first ready lines would make, in words.
    pub sample: Vec<String>,
    /// SHA-256 of the file checked: the import refuses another.
    pub file_sha256: String,
}

/// What an import wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordImport {
    pub customers: usize,
    pub accounts: usize,
    pub requests: usize,
    pub known: usize,
    pub left_out: usize,
    pub message: String,
}

/// A line ready to be written.
enum Planned {
    Customer {
        external_id: String,
        customer: CleanCustomer,
        account: Option<AccountDetails>,
    },
    Request {
        external_id: String,
        /// As the file writes it, and as compared.
        username: String,
        username_key: String,
        money: Money,
        /// The program's name as the file writes it.
        program: Option<String>,
        note: String,
    },
}

impl Planned {
    fn external_id(&self) -> &str {
        match self {
            Planned::Customer { external_id, .. } | Planned::Request { external_id, .. } => {
                external_id
            }
        }
    }

    fn describe(&self, customers: &HashMap<String, (CustomerId, String)>) -> String {
        match self {
            Planned::Customer {
                customer, account, ..
            } => match account {
                Some(account) => format!(
                    "{} ({}), paid to {}",
                    customer.display_name,
                    customer.username,
                    account.masked()
                ),
                None => format!(
                    "{} ({}), no payment account",
                    customer.display_name, customer.username
                ),
            },
            Planned::Request {
                username_key,
                money,
                ..
            } => format!(
                "{money} for {}, approved",
                customers
                    .get(username_key)
                    .map_or(username_key.as_str(), |(_, name)| name.as_str())
            ),
        }
    }
}

/// The record's create key: the kind, then a SHA-256 of the source (as compared) and the
/// external id, a line feed between them (a source is one line, so no two pairs meet).
fn create_key(kind: RecordKind, source: &str, external_id: &str) -> String {
    let pair = format!("{}\n{external_id}", text::compare_key(source));
    format!("{}:{}", kind.key_prefix(), sha256_hex(pair.as_bytes()))
}

/// SHA-256 of `bytes`, in lower-case hex.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads the file at `path` (refusing one too large before reading it): its name and bytes.
pub fn read_records_file(path: &std::path::Path) -> Result<(String, Vec<u8>)> {
    let unreadable = |e: std::io::Error| {
        Error::validation("file", format!("{} cannot be read: {e}.", path.display()))
    };
    too_large(std::fs::metadata(path).map_err(unreadable)?.len())?;
    let bytes = std::fs::read(path).map_err(unreadable)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    Ok((name, bytes))
}

fn too_large(size: u64) -> Result<()> {
    if size > MOST_BYTES as u64 {
        return Err(Error::validation(
            "file",
            format!(
                "The file is {} MB; at most {} MB can be imported at once. Split it.",
                size >> 20,
                MOST_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

/// The file's text, as the mapping says it is written.
fn decode(bytes: &[u8], encoding: TextEncoding) -> Result<std::borrow::Cow<'_, str>> {
    too_large(bytes.len() as u64)?;
    crate::statements::decode_text(bytes, encoding)
}

/// One line's cells by field.
struct Row {
    line_no: i64,
    cells: BTreeMap<Field, String>,
}

impl Row {
    fn get(&self, field: Field) -> &str {
        self.cells.get(&field).map_or("", String::as_str)
    }
}

/// The file's lines under its header, each with the cells the mapping names.
fn rows(bytes: &[u8], mapping: &RecordMapping) -> Result<Vec<Row>> {
    let text = decode(bytes, mapping.encoding)?;
    let (text, header_line) = crate::statements::after_preamble(&text, mapping.skip_lines)?;
    let mut reader = crate::statements::csv_reader(text, mapping.delimiter);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            Error::validation(
                "file",
                format!("The header row cannot be read as CSV: {e}."),
            )
        })?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let mut at = BTreeMap::new();
    for (field, column) in &mapping.columns {
        let Some(k) = headers.iter().position(|h| h == column) else {
            return Err(Error::validation(
                "columns",
                format!(
                    "The file has no column {column:?} (for the {}); check the delimiter and the lines to skip.",
                    field.label()
                ),
            ));
        };
        at.insert(*field, k);
    }
    let mut rows = Vec::new();
    // A record's line is where its first cell starts, counted as an editor counts lines (a cell
    // over several lines, a form's long answer, counts them all; blank lines count too). The
    // reader's own position may stand before the line ends it skipped, so lines are counted
    // here, from the byte where the record starts.
    let raw = text.as_bytes();
    let (mut counted_to, mut text_line) = (0, 1_i64);
    let mut line_of = |byte: usize| {
        let mut start = byte.min(raw.len());
        while start < raw.len() && matches!(raw[start], b'\r' | b'\n') {
            start += 1;
        }
        let newlines = raw[counted_to.min(start)..start]
            .iter()
            .filter(|&&b| b == b'\n');
        text_line += newlines.count() as i64;
        counted_to = start;
        header_line - 1 + text_line
    };
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or("A line".to_owned(), |p| {
                format!("Line {}", line_of(p.byte() as usize))
            });
            Error::validation("file", format!("{line} cannot be read: {e}."))
        })?;
        let line_no = record.position().map_or(0, |p| line_of(p.byte() as usize));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rows.len() == MOST_LINES {
            return Err(Error::validation(
                "file",
                format!("The file has more than {MOST_LINES} lines; split it."),
            ));
        }
        let cells = at
            .iter()
            .map(|(field, &k)| (*field, record.get(k).unwrap_or("").trim().to_owned()))
            .collect();
        rows.push(Row { line_no, cells });
    }
    if rows.is_empty() {
        return Err(Error::validation(
            "file",
            "The file has a header but no lines.",
        ));
    }
    Ok(rows)
}

/// A field's error as a line's problem: the message, after the field's label unless it
/// names the field itself ("IBAN check digits do not match…").
fn problem(field: Field, err: Error) -> String {
    let message = match err {
        Error::Validation { message, .. } => message,
        other => other.to_string(),
    };
    if message.starts_with(field.label()) {
        message
    } else {
        format!("{}: {message}", field.label())
    }
}

/// A customers line read, or its problem.
fn plan_customer(row: &Row) -> std::result::Result<Planned, String> {
    let customer = crate::customers::clean(&CustomerInput {
        username: row.get(Field::Username).to_owned(),
        display_name: [row.get(Field::Name), row.get(Field::LastName)]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
        email: row.get(Field::Email).to_owned(),
    })
    .map_err(|e| match &e {
        Error::Validation { field, .. } if *field == "display_name" => problem(Field::Name, e),
        Error::Validation { field, .. } if *field == "email" => problem(Field::Email, e),
        _ => problem(Field::Username, e),
    })?;
    let (paypal, iban) = (row.get(Field::PaypalEmail), row.get(Field::Iban));
    let input = match (paypal.is_empty(), iban.is_empty()) {
        (true, true) => None,
        (false, false) => {
            return Err(
                "the line has both a PayPal e-mail and an IBAN; one account per line".to_owned(),
            )
        }
        (false, true) => Some((
            Field::PaypalEmail,
            AccountInput::Digital {
                provider: Provider::Paypal,
                handle_kind: HandleKind::Email,
                handle: paypal.to_owned(),
            },
        )),
        (true, false) => Some((
            Field::Iban,
            AccountInput::Bank {
                holder_name: match row.get(Field::AccountHolder) {
                    "" => customer.display_name.clone(),
                    holder => holder.to_owned(),
                },
                bank_name: String::new(),
                account_number: String::new(),
                iban: iban.to_owned(),
                routing_number: String::new(),
                bic: row.get(Field::Bic).to_owned(),
                country: String::new(),
            },
        )),
    };
    let account = input
        .map(|(field, input)| {
            crate::accounts::clean(&input).map_err(|e| match &e {
                Error::Validation { field: f, .. } if *f == "bic" => problem(Field::Bic, e),
                Error::Validation { field: f, .. } if *f == "holder_name" => {
                    problem(Field::AccountHolder, e)
                }
                _ => problem(field, e),
            })
        })
        .transpose()?;
    Ok(Planned::Customer {
        external_id: String::new(),
        customer,
        account,
    })
}

/// A requests line read, or its problem.
fn plan_request(row: &Row, mapping: &RecordMapping) -> std::result::Result<Planned, String> {
    let username = row.get(Field::Username);
    if username.is_empty() {
        return Err("Username: the line names no customer.".to_owned());
    }
    let code = match row.get(Field::Currency) {
        "" if mapping.currency.is_empty() => {
            return Err("Currency: the line has none.".to_owned());
        }
        "" => mapping.currency.clone(),
        code => code.to_uppercase(),
    };
    let currency = Currency::from_code(&code).ok_or_else(|| {
        format!("Currency: {code:?} is not an ISO 4217 currency code, such as USD or EUR.")
    })?;
    let raw = row.get(Field::Amount);
    let read = read_amount(raw, mapping.mark(), currency)
        .map_err(|why| format!("Amount: {raw:?} is not an amount in {code}: {why}."))?;
    // The checks of a request typed by hand: more than zero, at most the ceiling.
    let money = Money::positive(&read.amount_text(), currency.code())
        .map_err(|e| problem(Field::Amount, e))?;
    let note = text::optional("note", "Note", row.get(Field::Note), 2000, Lines::Many)
        .map_err(|e| problem(Field::Note, e))?
        .unwrap_or_default();
    let program = Some(row.get(Field::Program).to_owned()).filter(|p| !p.is_empty());
    Ok(Planned::Request {
        external_id: String::new(),
        username: username.to_owned(),
        username_key: text::compare_key(username),
        money,
        program,
        note,
    })
}

/// The file read and checked against the book as `conn` sees it.
struct Plan {
    lines: usize,
    ready: Vec<(i64, Planned)>,
    known: usize,
    problems: Vec<LineProblem>,
    /// Requests: the customers the lines name, by username key (id, name).
    customers: HashMap<String, (CustomerId, String)>,
    /// Requests: the active programs the lines name, by name key.
    programs: HashMap<String, ProgramId>,
}

async fn plan(conn: &mut SqliteConnection, bytes: &[u8], mapping: &RecordMapping) -> Result<Plan> {
    let rows = rows(bytes, mapping)?;
    if mapping.kind == RecordKind::Requests {
        // "1.500" is 1,500 written with a decimal comma and 1.50 with a point: the mapping's
        // mark must be the one the file's amounts prove, or nothing is read.
        let amounts = rows.iter().map(|r| (r.line_no, r.get(Field::Amount)));
        let proven = decimal_mark(amounts, Some(mapping.mark()))
            .map_err(|why| Error::validation("decimal_comma", why))?;
        if proven != mapping.mark() {
            return Err(Error::validation(
                "decimal_comma",
                match proven {
                    DecimalMark::Comma => "The amounts are written with a decimal comma (1.234,56): tick “Decimal comma”.",
                    DecimalMark::Point => "The amounts are written with a decimal point (1,234.56): untick “Decimal comma”.",
                },
            ));
        }
    }
    let mut problems = Vec::new();
    let mut read = Vec::new();
    let mut ids_seen: HashMap<String, i64> = HashMap::new();
    let mut usernames_seen: HashMap<String, i64> = HashMap::new();
    for row in &rows {
        let external_id = row.get(Field::ExternalId);
        let checked = text::optional("external_id", "External id", external_id, 200, Lines::One);
        let planned = if external_id.is_empty() {
            Err("External id: the line has none.".to_owned())
        } else if let Err(err) = checked {
            Err(problem(Field::ExternalId, err))
        } else if let Some(first) = ids_seen.get(external_id) {
            Err(format!(
                "External id: {external_id:?} is on line {first} too."
            ))
        } else {
            ids_seen.insert(external_id.to_owned(), row.line_no);
            match mapping.kind {
                RecordKind::Customers => plan_customer(row),
                RecordKind::Requests => plan_request(row, mapping),
            }
        };
        let planned = planned.and_then(|mut planned| {
            if let Planned::Customer { customer, .. } = &planned {
                if let Some(first) = usernames_seen.get(&customer.username_key) {
                    return Err(format!(
                        "Username: {:?} is on line {first} too.",
                        customer.username
                    ));
                }
                usernames_seen.insert(customer.username_key.clone(), row.line_no);
            }
            match &mut planned {
                Planned::Customer { external_id: e, .. }
                | Planned::Request { external_id: e, .. } => *e = external_id.to_owned(),
            }
            Ok(planned)
        });
        match planned {
            Ok(planned) => read.push((row.line_no, planned)),
            Err(problem) => problems.push(LineProblem {
                line_no: row.line_no,
                problem,
            }),
        }
    }
    // What the book knows, one query each: create keys, usernames, customers, programs.
    let keys: Vec<String> = read
        .iter()
        .map(|(_, p)| create_key(mapping.kind, &mapping.source, p.external_id()))
        .collect();
    let table = match mapping.kind {
        RecordKind::Customers => "customers",
        RecordKind::Requests => "incentive_requests",
    };
    let known: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT idempotency_key FROM {table}
          WHERE idempotency_key IN (SELECT value FROM json_each(?))"
    ))
    .bind(serde_json::to_string(&keys).expect("keys serialise"))
    .fetch_all(&mut *conn)
    .await?;
    let known: std::collections::HashSet<String> = known.into_iter().collect();
    let mut customers = HashMap::new();
    let mut programs = HashMap::new();
    let usernames: Vec<&str> = read
        .iter()
        .map(|(_, p)| match p {
            Planned::Customer { customer, .. } => customer.username_key.as_str(),
            Planned::Request { username_key, .. } => username_key.as_str(),
        })
        .collect();
    let found: Vec<(String, CustomerId, String, String)> = sqlx::query_as(
        "SELECT username_key, id, username, display_name FROM customers
          WHERE username_key IN (SELECT value FROM json_each(?))",
    )
    .bind(serde_json::to_string(&usernames).expect("names serialise"))
    .fetch_all(&mut *conn)
    .await?;
    let taken: HashMap<String, (CustomerId, String)> = found
        .into_iter()
        .map(|(key, id, username, name)| {
            customers.insert(key.clone(), (id, name));
            (key, (id, username))
        })
        .collect();
    if mapping.kind == RecordKind::Requests {
        let names: Vec<String> = read
            .iter()
            .filter_map(|(_, p)| match p {
                Planned::Request { program, .. } => program.as_deref().map(text::compare_key),
                Planned::Customer { .. } => None,
            })
            .collect();
        let found: Vec<(String, ProgramId)> = sqlx::query_as(
            "SELECT name_key, id FROM incentive_programs
              WHERE archived_at IS NULL AND name_key IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(&names).expect("names serialise"))
        .fetch_all(&mut *conn)
        .await?;
        programs.extend(found);
    }
    let mut ready = Vec::new();
    let mut known_lines = 0;
    for ((line_no, planned), key) in read.into_iter().zip(&keys) {
        if known.contains(key) {
            known_lines += 1;
            continue;
        }
        let refused = match &planned {
            Planned::Customer { customer, .. } => taken
                .get(&customer.username_key)
                .map(|(id, username)| format!("Username: {username:?} is taken by {id}.")),
            Planned::Request {
                username,
                username_key,
                program,
                ..
            } => {
                if !customers.contains_key(username_key) {
                    Some(format!(
                        "Username: the book has no customer {username:?}; import the customers first."
                    ))
                } else {
                    program
                        .as_ref()
                        .filter(|p| !programs.contains_key(&text::compare_key(p)))
                        .map(|p| format!("Program: the book has no active program {p:?}."))
                }
            }
        };
        match refused {
            Some(problem) => problems.push(LineProblem { line_no, problem }),
            None => ready.push((line_no, planned)),
        }
    }
    problems.sort_by_key(|p| p.line_no);
    Ok(Plan {
        lines: rows.len(),
        ready,
        known: known_lines,
        problems,
        customers,
        programs,
    })
}

/// Writes one ready line in `tx`: what it made (customers, accounts, requests).
async fn write_line(
    ledger: &Ledger,
    tx: &mut WriteTx<'_>,
    mapping: &RecordMapping,
    plan: &Plan,
    line_no: i64,
    planned: &Planned,
    file_name: &str,
) -> Result<(usize, usize, usize)> {
    let key = create_key(mapping.kind, &mapping.source, planned.external_id());
    match planned {
        Planned::Customer {
            customer, account, ..
        } => {
            let id = crate::customers::insert(tx, customer, Some(&key)).await?;
            if let Some(details) = account {
                let account = format!("{}#account", planned.external_id());
                let key = create_key(mapping.kind, &mapping.source, &account);
                let seal = ledger.account_seal(details);
                crate::accounts::insert(tx, id, details, seal, Some(&key)).await?;
                Ok((1, 1, 0))
            } else {
                Ok((1, 0, 0))
            }
        }
        Planned::Request {
            username_key,
            money,
            program,
            note,
            ..
        } => {
            let (customer, _) = plan.customers[username_key];
            let program = program
                .as_ref()
                .map(|p| plan.programs[&text::compare_key(p)]);
            let id =
                crate::requests::insert(tx, customer, program, *money, note, Some(&key)).await?;
            crate::requests::record_decision(
                tx,
                id,
                RequestStatus::Pending,
                RequestStatus::Approved,
                &format!("Imported from {file_name}, line {line_no}."),
            )
            .await?;
            Ok((0, 0, 1))
        }
    }
}

impl Ledger {
    /// The saved mappings of files of `kind` to import, by source name.
    pub async fn record_mappings(&self, kind: RecordKind) -> Result<Vec<RecordMapping>> {
        self.settings_under(&record_prefix(kind), "An import mapping")
            .await
    }

    /// Saves an import mapping under its kind and source (replacing the one saved before).
    pub async fn save_record_mapping(
        &self,
        origin: &Origin,
        mapping: RecordMapping,
    ) -> Result<RecordMapping> {
        let mapping = mapping.clean()?;
        self.put_setting(
            origin,
            &record_mapping_key(&mapping),
            &mapping,
            "Import column mapping saved.",
        )
        .await?;
        Ok(mapping)
    }

    /// What importing `bytes` through `mapping` would do; writes nothing.
    pub async fn check_records(&self, bytes: &[u8], mapping: RecordMapping) -> Result<RecordCheck> {
        let mapping = mapping.clean()?;
        // One read transaction: every query of the check sees the same book.
        let mut read = self.reader.begin().await?;
        let plan = plan(&mut read, bytes, &mapping).await?;
        Ok(RecordCheck {
            file_sha256: sha256_hex(bytes),
            lines: plan.lines,
            ready: plan.ready.len(),
            known: plan.known,
            sample: plan
                .ready
                .iter()
                .take(5)
                .map(|(line_no, p)| format!("Line {line_no}: {}", p.describe(&plan.customers)))
                .collect(),
            problems: plan.problems,
        })
    }

    /// Imports the lines of `bytes` without a problem in one audited batch (see the module
    /// invariants), and saves the mapping with them; refused when `bytes` are not the file
    /// checked (`checked`: [`RecordCheck::file_sha256`]). `progress` hears every 500 lines and
    /// may cancel; then nothing changes, the mapping included.
    pub async fn import_records(
        &self,
        origin: &Origin,
        file_name: &str,
        bytes: &[u8],
        mapping: RecordMapping,
        checked: &str,
        progress: Progress<'_>,
    ) -> Result<RecordImport> {
        let mapping = mapping.clean()?;
        if sha256_hex(bytes) != checked {
            return Err(Error::Conflict(
                "The file changed since it was checked; check it again before importing.".into(),
            ));
        }
        let mut tx = self.begin_write(origin).await?;
        let plan = plan(tx.conn(), bytes, &mapping).await?;
        let mut made = RecordImport {
            known: plan.known,
            left_out: plan.problems.len(),
            ..RecordImport::default()
        };
        for (done, (line_no, planned)) in plan.ready.iter().enumerate() {
            if done % PROGRESS_EVERY == 0 && done > 0 && !progress(done as u64) {
                // Dropping the transaction undoes the lines written so far.
                return Err(Error::Cancelled);
            }
            let (customers, accounts, requests) =
                write_line(self, &mut tx, &mapping, &plan, *line_no, planned, file_name).await?;
            made.customers += customers;
            made.accounts += accounts;
            made.requests += requests;
        }
        made.message = message(&made);
        if !plan.ready.is_empty() {
            if !progress(plan.ready.len() as u64) {
                return Err(Error::Cancelled);
            }
            crate::settings::put_setting_in(
                &mut tx,
                &record_mapping_key(&mapping),
                &mapping,
                "Import column mapping saved.",
            )
            .await?;
            tx.commit().await?;
        }
        Ok(made)
    }
}

/// Where import mappings of `kind` are saved: "record_mapping:customers:".
fn record_prefix(kind: RecordKind) -> String {
    let kind = serde_json::to_value(kind).expect("a kind serialises");
    format!(
        "record_mapping:{}:",
        kind.as_str().expect("a kind is a string")
    )
}

/// Where an import mapping is saved: under its kind and its source as compared.
fn record_mapping_key(mapping: &RecordMapping) -> String {
    format!(
        "{}{}",
        record_prefix(mapping.kind),
        text::compare_key(&mapping.source)
    )
}

/// What an import did, in a sentence.
fn message(made: &RecordImport) -> String {
    let count = |n: usize, one: &str, many: &str| match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    };
    let mut parts = Vec::new();
    if made.customers > 0 {
        parts.push(count(made.customers, "customer", "customers"));
    }
    if made.accounts > 0 {
        parts.push(count(made.accounts, "payment account", "payment accounts"));
    }
    if made.requests > 0 {
        parts.push(count(
            made.requests,
            "approved request",
            "approved requests",
        ));
    }
    let mut message = if parts.is_empty() {
        "Nothing was imported.".to_owned()
    } else {
        format!("Imported {}.", parts.join(", "))
    };
    if made.known > 0 {
        message.push_str(&format!(
            " {} imported before {} left as {}.",
            count(made.known, "line", "lines"),
            if made.known == 1 { "was" } else { "were" },
            if made.known == 1 {
                "it was"
            } else {
                "they were"
            }
        ));
    }
    if made.left_out > 0 {
        message.push_str(&format!(
            " {} with a problem {} left out.",
            count(made.left_out, "line", "lines"),
            if made.left_out == 1 { "was" } else { "were" }
        ));
    }
    message
}
