//! PayPal's activity download ("Activity" > "Download" > CSV), in the languages PayPal writes
//! it: English (US and UK), German, French, Dutch, Spanish, Italian and Portuguese.
//!
//! Columns are found by their header in any of those languages (PayPal translates most of them,
//! and leaves some English in Dutch files). The language decides what the file cannot: the
//! decimal mark and, outside English, that the day comes first. An English file whose every
//! date reads both ways (US and UK exports have the same headers) is not guessed: the import
//! asks which layout it is. A reversal is tied to the line it reverses through its reference
//! transaction id, so it names the payout and the recipient of the original.

use std::collections::HashMap;

use super::amount::{decimal_mark, read_amount, DecimalMark};
use super::fields::{date_order, parse_date, payout_number, statement_text, unique_id, DateOrder};
use super::instant::instant;
use super::{bad_file, LineKind, ParsedLine, ReferenceSource, Statement, Unreadable};
use crate::error::{Error, Result};
use crate::lifecycle::FailureReason;
use crate::money::{Currency, Money};

/// A column by its header in every language PayPal writes (lower case).
struct Column(&'static [&'static str]);

const DATE: Column = Column(&["date", "datum", "fecha", "data"]);
const TIME: Column = Column(&["time", "uhrzeit", "heure", "tijd", "hora", "orario"]);
const ZONE: Column = Column(&[
    "timezone",
    "time zone",
    "zeitzone",
    "fuseau horaire",
    "tijdzone",
    "zona horaria",
    "fuso orario",
    "fuso horário",
]);
const NAME: Column = Column(&["name", "nom", "naam", "nombre", "nome"]);
const TYPE: Column = Column(&["type", "typ", "tipo"]);
const STATUS: Column = Column(&["status", "état", "estado", "stato"]);
const CURRENCY: Column = Column(&["currency", "währung", "devise", "valuta", "divisa", "moeda"]);
const GROSS: Column = Column(&[
    "gross",
    "amount",
    "brutto",
    "avant commission",
    "bruto",
    "lordo",
]);
const FEE: Column = Column(&[
    "fee",
    "gebühr",
    "commission",
    "kosten",
    "comisión",
    "tarifa",
    "tariffa",
]);
const FROM: Column = Column(&[
    "from email address",
    "absender e-mail-adresse",
    "de l'adresse email",
    "van e-mailadres",
    "correo electrónico del remitente",
    "indirizzo email mittente",
    "endereço de e-mail do remetente",
]);
const TO: Column = Column(&[
    "to email address",
    "empfänger e-mail-adresse",
    "à l'adresse email",
    "naar e-mailadres",
    "correo electrónico del destinatario",
    "indirizzo email destinatario",
    "endereço de e-mail do destinatário",
]);
const TRANSACTION: Column = Column(&[
    "transaction id",
    "transaktionscode",
    "numéro de transaction",
    "transactiereferentie",
    "id. de transacción",
    "codice transazione",
    "código da transação",
]);
const REFERENCE_TXN: Column = Column(&[
    "reference txn id",
    "zugehöriger transaktionscode",
    "numéro de la transaction de référence",
    "id. de referencia de la transacción",
    "id. de referencia de trans.",
    "codice transazione di riferimento",
    "código da transação de referência",
]);
/// PayPal's "custom" field, which the app's own files fill in. German files call it
/// "Zollnummer" (customs number), a translation PayPal has kept for years.
const CUSTOM: Column = Column(&[
    "custom number",
    "zollnummer",
    "numéro de client",
    "número personalizado",
    "numero personalizzato",
]);
/// Columns a person types into: a payout number found there is free text.
const TEXTS: [Column; 4] = [
    Column(&[
        "note",
        "hinweis",
        "remarque",
        "nota",
        "messaggio",
        "observação",
    ]),
    Column(&[
        "subject",
        "betreff",
        "objet",
        "onderwerp",
        "asunto",
        "oggetto",
        "assunto",
    ]),
    Column(&[
        "item title",
        "artikelbezeichnung",
        "titre de l'objet",
        "nombre del artículo",
        "titolo oggetto",
        "título do item",
    ]),
    Column(&[
        "item id",
        "artikelnummer",
        "numéro de l'objet",
        "objectreferentie",
        "id. del artículo",
        "codice articolo",
        "código do item",
    ]),
];
const IMPACT: Column = Column(&[
    "balance impact",
    "auswirkung auf guthaben",
    "impact sur le solde",
    "effect op saldo",
    "repercusiones en el saldo",
    "impatto sul saldo",
    "impacto no saldo",
]);

/// Balance Impact values, in every language.
const DEBIT: [&str; 8] = [
    "debit",
    "soll",
    "lastschrift",
    "débit",
    "af",
    "cargo",
    "addebito",
    "débito",
];
const CREDIT: [&str; 7] = [
    "credit",
    "haben",
    "gutschrift",
    "crédit",
    "bij",
    "crédito",
    "accredito",
];
const MEMO: [&str; 2] = ["memo", "mémo"];
/// Statuses of money that moved, and of money that has not moved yet.
const COMPLETED: [&str; 8] = [
    "completed",
    "abgeschlossen",
    "terminé",
    "voltooid",
    "completado",
    "completata",
    "concluído",
    "concluída",
];
const PENDING: [&str; 7] = [
    "pending",
    "ausstehend",
    "en attente",
    "in behandeling",
    "pendiente",
    "in sospeso",
    "pendente",
];
/// Words in a transaction type that mean money came back.
const RETURNED: [&str; 15] = [
    "reversal",
    "refund",
    "return",
    "unclaimed",
    "rückbuchung",
    "rückzahlung",
    "annulation",
    "remboursement",
    "terugboeking",
    "terugbetaling",
    "reversión",
    "reembolso",
    "storno",
    "rimborso",
    "estorno",
];
/// Words in a transaction type that mean a payout came back unclaimed. (English only: the
/// other languages' wording of PayPal's unclaimed-payout return is not known here, so such a
/// return reads as rejected by the provider.)
const UNCLAIMED: [&str; 1] = ["unclaimed"];
/// Words in a transaction type that mean money moved inside the account: conversions,
/// holds and their releases, withdrawals to the owner's bank.
const INTERNAL: [&str; 12] = [
    "conversion",
    "umrechnung",
    "omrekening",
    "conversione",
    "conversión",
    "conversão",
    "hold",
    "einbehaltung",
    "blocco",
    "withdrawal",
    "abbuchung",
    "opname",
];

/// Where a file's columns are (by header, in any language), and whether it is English.
struct Columns {
    date: usize,
    time: Option<usize>,
    zone: Option<usize>,
    currency: usize,
    gross: usize,
    transaction: usize,
    name: Option<usize>,
    kind: Option<usize>,
    status: Option<usize>,
    from: Option<usize>,
    to: Option<usize>,
    impact: Option<usize>,
    reference_txn: Option<usize>,
    custom: Option<usize>,
    fee: Option<usize>,
    texts: Vec<usize>,
    /// English files say "Gross"; every other language writes a decimal comma and the day
    /// first.
    english: bool,
}

impl Columns {
    fn find(headers: &[String]) -> Result<Columns> {
        let column = |c: &Column| c.0.iter().find_map(|n| headers.iter().position(|h| h == n));
        let required = |c: &Column, label: &str| {
            column(c).ok_or_else(|| {
                bad_file(format!(
                    "This is not a PayPal activity CSV: it has no \"{label}\" column (in any language PayPal writes)."
                ))
            })
        };
        Ok(Columns {
            date: required(&DATE, "Date")?,
            time: column(&TIME),
            zone: column(&ZONE),
            currency: required(&CURRENCY, "Currency")?,
            gross: required(&GROSS, "Gross")?,
            transaction: required(&TRANSACTION, "Transaction ID")?,
            name: column(&NAME),
            kind: column(&TYPE),
            status: column(&STATUS),
            from: column(&FROM),
            to: column(&TO),
            impact: column(&IMPACT),
            reference_txn: column(&REFERENCE_TXN),
            custom: column(&CUSTOM),
            fee: column(&FEE),
            texts: TEXTS.iter().filter_map(column).collect(),
            english: headers.iter().any(|h| h == "gross"),
        })
    }
}

/// A cell, trimmed; empty where the record is short.
fn cell(r: &csv::StringRecord, c: usize) -> String {
    r.get(c).unwrap_or("").trim().to_owned()
}

/// Reads a PayPal activity CSV (see the module description); `dates` says how to read dates
/// the file itself cannot decide.
pub fn parse_paypal_csv(bytes: &[u8], dates: Option<DateOrder>) -> Result<Statement> {
    let text = statement_text(
        bytes,
        "PayPal statements are UTF-8, so this is probably not one.",
    )?;
    let (cols, records) = read_records(text)?;
    let cells = |c: usize| -> Vec<(i64, String)> {
        records.iter().map(|(n, r)| (*n, cell(r, c))).collect()
    };
    let grosses = cells(cols.gross);
    let language_mark = (!cols.english).then_some(DecimalMark::Comma);
    let mark = decimal_mark(grosses.iter().map(|(n, g)| (*n, g.as_str())), language_mark)
        .map_err(bad_file)?;
    // Ids, currencies and amounts first: a damaged file is refused before anyone is asked
    // how to read its dates.
    let mut seen: HashMap<String, i64> = HashMap::new();
    let mut unreadable = Vec::new();
    let mut money = Vec::with_capacity(records.len());
    for (line_no, r) in &records {
        unique_id(&mut seen, &cell(r, cols.transaction), *line_no)?;
        let read = gross_amount(r, &cols, mark);
        money.push(
            read.map_err(|reason| {
                unreadable.push(Unreadable {
                    line_no: *line_no,
                    reason,
                })
            })
            .ok(),
        );
    }
    // Dates that are no date at all make their line unreadable, not the file.
    let dated: Vec<(i64, String)> = cells(cols.date)
        .into_iter()
        .zip(&money)
        .filter(|((_, d), amount)| {
            amount.is_some() && (parse_date(d, true).is_some() || parse_date(d, false).is_some())
        })
        .map(|(dated, _)| dated)
        .collect();
    let order = decide_order(&dated, cols.english, dates)?;

    let mut lines: Vec<ParsedLine> = Vec::new();
    for ((line_no, r), amount) in records.iter().zip(money) {
        let Some(amount) = amount else { continue };
        match read_line(r, *line_no, amount, &cols, mark, order) {
            Ok(mut line) => {
                tie_reversal(&mut line, cols.reference_txn.map(|c| cell(r, c)), &lines);
                lines.push(line);
            }
            Err(reason) => unreadable.push(Unreadable {
                line_no: *line_no,
                reason,
            }),
        }
    }
    unreadable.sort_by_key(|u| u.line_no);
    Statement { lines, unreadable }.checked()
}

/// The file's columns and its non-empty records with their line numbers.
fn read_records(text: &str) -> Result<(Columns, Vec<(i64, csv::StringRecord)>)> {
    let header_line = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| header_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            bad_file(format!(
                "The first line cannot be read as CSV headers: {e}."
            ))
        })?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let cols = Columns::find(&headers)?;
    let mut records = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line_no = i as i64 + 2;
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths { len, expected_len, .. } => bad_file(format!(
                "Line {line_no} has {len} cells where the header has {expected_len}; the file may be cut short or not a PayPal statement."
            )),
            _ => bad_file(format!("Line {line_no} cannot be read: {e}.")),
        })?;
        if !record.iter().all(|c| c.trim().is_empty()) {
            records.push((line_no, record));
        }
    }
    if records.is_empty() {
        return Err(bad_file("The file has headers but no transactions."));
    }
    Ok((cols, records))
}

/// The gross amount of a record in its currency, or why it is not one.
fn gross_amount(
    r: &csv::StringRecord,
    cols: &Columns,
    mark: DecimalMark,
) -> std::result::Result<Money, String> {
    let code = cell(r, cols.currency).to_uppercase();
    let cur = Currency::from_code(&code)
        .ok_or_else(|| format!("{code:?} is not an ISO 4217 currency"))?;
    let raw = cell(r, cols.gross);
    read_amount(&raw, mark, cur).map_err(|why| format!("{raw:?} is not an amount in {code}: {why}"))
}

/// Day or month first: as the file's dates prove; else the day, outside English, for dotted
/// dates, or where every date reads the same both ways; else as the user said, or the
/// question.
fn decide_order(
    dated: &[(i64, String)],
    english: bool,
    dates: Option<DateOrder>,
) -> Result<DateOrder> {
    let iso = |d: &str| d.len() >= 10 && d.as_bytes()[4] == b'-';
    Ok(
        match date_order(dated.iter().map(|(n, d)| (*n, d.as_str())))? {
            Some(order) => order,
            // No layout writes the month first with dots (05.02.2026).
            None if !english || dated.iter().any(|(_, d)| d.contains('.')) => DateOrder::DayFirst,
            // Dates that read the same both ways (ISO dates, 03/03/2026) need no answer.
            None if dated
                .iter()
                .all(|(_, d)| iso(d) || parse_date(d, true) == parse_date(d, false)) =>
            {
                DateOrder::DayFirst
            }
            None => match dates {
                Some(order) => order,
                None => return Err(ambiguous_dates(dated.first().map_or("", |d| d.1.as_str()))),
            },
        },
    )
}

/// One record as a statement line, or why it cannot be read.
fn read_line(
    r: &csv::StringRecord,
    line_no: i64,
    mut amount: Money,
    cols: &Columns,
    mark: DecimalMark,
    order: DateOrder,
) -> std::result::Result<ParsedLine, String> {
    let cur = amount.currency();
    let fee_minor = match cols.fee.map(|c| cell(r, c)).filter(|f| !f.is_empty()) {
        Some(raw) => read_amount(&raw, mark, cur)
            .map_err(|why| format!("the fee {raw:?} is not an amount: {why}"))?
            .minor()
            .abs(),
        None => 0,
    };
    let booked_on = parse_date(&cell(r, cols.date), order.day_first())
        .ok_or_else(|| format!("{:?} is not a date", cell(r, cols.date)))?;
    let lower = |c: Option<usize>| c.map(|c| cell(r, c).to_lowercase()).unwrap_or_default();
    let (impact, status) = (lower(cols.impact), lower(cols.status));
    let is = |words: &[&str]| words.contains(&impact.as_str());
    if is(&DEBIT) && amount.minor() > 0 || is(&CREDIT) && amount.minor() < 0 {
        amount = Money::from_minor(-amount.minor(), cur);
    }
    let kind_text = cols.kind.map(|c| cell(r, c)).unwrap_or_default();
    let type_says = |words: &[&str]| {
        let lower = kind_text.to_lowercase();
        words.iter().any(|w| lower.contains(w))
    };
    let pending = PENDING.contains(&status.as_str());
    let moved = status.is_empty() || COMPLETED.contains(&status.as_str()) || pending;
    let returned = type_says(&RETURNED);
    let unclaimed = type_says(&UNCLAIMED);
    let kind = if is(&MEMO) || !moved || type_says(&INTERNAL) {
        LineKind::Other
    } else if amount.minor() < 0 && !returned {
        LineKind::Payment
    } else if amount.minor() > 0 && returned {
        LineKind::Return
    } else {
        LineKind::Other
    };
    let (payout_reference, reference_source) =
        match cols.custom.and_then(|c| payout_number(&cell(r, c))) {
            Some(number) => (Some(number), ReferenceSource::Field),
            None => (
                cols.texts.iter().find_map(|&c| payout_number(&cell(r, c))),
                ReferenceSource::Text,
            ),
        };
    // Money in comes from its sender; money out goes to its recipient.
    let party = if amount.minor() > 0 {
        cols.from
    } else {
        cols.to
    };
    let counterparty = party
        .map(|c| cell(r, c))
        .filter(|e| !e.is_empty())
        .or_else(|| cols.name.map(|c| cell(r, c)))
        .unwrap_or_default();
    let id = cell(r, cols.transaction);
    Ok(ParsedLine {
        line_no,
        fingerprint: format!("paypal:{id}"),
        booked_on,
        booked_at: cols
            .time
            .zip(cols.zone)
            .and_then(|(t, z)| instant(booked_on, &cell(r, t), &cell(r, z))),
        amount,
        counterparty,
        fee_minor,
        payout_reference,
        reference_source,
        provider_reference: id,
        reference_is_id: true,
        kind,
        description: kind_text,
        pending,
        batch_reference: None,
        // PayPal returns what nobody claimed (within 30 days) and what it could not deliver.
        return_reason: (kind == LineKind::Return).then_some(if unclaimed {
            FailureReason::Unclaimed
        } else {
            FailureReason::RejectedByProvider
        }),
        return_code: None,
    })
}

/// A reversal names PayPal and the owner's own address: the line it reverses (by its
/// reference transaction id, earlier in the file) knows the payout and who was paid.
fn tie_reversal(line: &mut ParsedLine, reference_txn: Option<String>, earlier: &[ParsedLine]) {
    if line.kind != LineKind::Return {
        return;
    }
    let Some(original) =
        reference_txn.and_then(|txn| earlier.iter().find(|l| l.provider_reference == txn))
    else {
        return;
    };
    line.counterparty = original.counterparty.clone();
    if original.payout_reference.is_some() {
        line.payout_reference = original.payout_reference.clone();
        line.reference_source = original.reference_source;
    }
}

/// The file's dates read both ways: the user is asked which layout it is.
fn ambiguous_dates(example: &str) -> Error {
    let reading = |order: DateOrder| {
        parse_date(example, order.day_first()).map_or_else(
            || "no date".to_owned(),
            |d| d.format("%-d %B %Y").to_string(),
        )
    };
    Error::AmbiguousDates(format!(
        "Every date in this file reads two ways: {example} is {} (day first, as in the UK) or {} (month first, as in the US). Say which layout the file uses.",
        reading(DateOrder::DayFirst),
        reading(DateOrder::MonthFirst)
    ))
}
