//! The lifecycles of requests and payouts: their statuses and the moves between them.
//!
//! Ground floor: imports nothing of the ledger, so refusals and errors can name statuses.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
    /// Approved once, then written off with a reason: it will never be paid.
    Voided,
}

impl RequestStatus {
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Voided => "voided",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum PayoutStatus {
    Pending,
    OnProcess,
    Success,
    Failed,
    /// Will never be paid (from Pending or Failed, with a reason); its request may get another
    /// payout or be voided.
    Cancelled,
}

impl PayoutStatus {
    pub const ALL: [PayoutStatus; 5] = [
        PayoutStatus::Pending,
        PayoutStatus::OnProcess,
        PayoutStatus::Success,
        PayoutStatus::Failed,
        PayoutStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PayoutStatus::Pending => "pending",
            PayoutStatus::OnProcess => "on_process",
            PayoutStatus::Success => "success",
            PayoutStatus::Failed => "failed",
            PayoutStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PayoutStatus::Pending => "Pending",
            PayoutStatus::OnProcess => "On Process",
            PayoutStatus::Success => "Success",
            PayoutStatus::Failed => "Failed",
            PayoutStatus::Cancelled => "Cancelled",
        }
    }

    /// The moves of docs/PRODUCT.md: Pending → On Process / Success / Failed / Cancelled; On
    /// Process → Success / Failed / Pending; Failed → Pending (retry) / Cancelled; Success →
    /// Failed (returned, note required). Cancelled is final.
    pub fn can_move_to(self, to: PayoutStatus) -> bool {
        use PayoutStatus::*;
        matches!(
            (self, to),
            (Pending, OnProcess | Success | Failed | Cancelled)
                | (OnProcess, Success | Failed | Pending)
                | (Failed, Pending | Cancelled)
                | (Success, Failed)
        )
    }

    /// A move that must carry a note saying why.
    pub fn needs_note(self, to: PayoutStatus) -> bool {
        (self == PayoutStatus::Success && to == PayoutStatus::Failed)
            || to == PayoutStatus::Cancelled
    }

    /// Whether the payout still stands for its request: neither Failed nor Cancelled. A
    /// request has at most one open payout.
    pub fn is_open(self) -> bool {
        !matches!(self, PayoutStatus::Failed | PayoutStatus::Cancelled)
    }
}

/// Why a payout failed, said on every move to Failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum FailureReason {
    /// The account details were wrong (a bad account number, a name that does not match).
    DetailsInvalid,
    /// The account is closed (or its holder deceased).
    AccountClosed,
    /// The recipient never claimed the money (PayPal, Venmo).
    Unclaimed,
    /// The bank sent the money back, for a reason of its own.
    ReturnedByBank,
    /// The provider refused the payment.
    RejectedByProvider,
    /// Anything else: the note says what.
    Other,
}

impl FailureReason {
    pub const ALL: [FailureReason; 6] = [
        FailureReason::DetailsInvalid,
        FailureReason::AccountClosed,
        FailureReason::Unclaimed,
        FailureReason::ReturnedByBank,
        FailureReason::RejectedByProvider,
        FailureReason::Other,
    ];

    /// As stored and in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::DetailsInvalid => "details_invalid",
            FailureReason::AccountClosed => "account_closed",
            FailureReason::Unclaimed => "unclaimed",
            FailureReason::ReturnedByBank => "returned_by_bank",
            FailureReason::RejectedByProvider => "rejected_by_provider",
            FailureReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FailureReason::DetailsInvalid => "Details invalid",
            FailureReason::AccountClosed => "Account closed",
            FailureReason::Unclaimed => "Unclaimed",
            FailureReason::ReturnedByBank => "Returned by the bank",
            FailureReason::RejectedByProvider => "Rejected by the provider",
            FailureReason::Other => "Other",
        }
    }

    /// The reason of an ISO 20022 return reason code (a camt.053 return's `RtrInf/Rsn/Cd`, the
    /// External Return Reason codes of the SEPA rulebooks). A code that names no fault of the
    /// details or the account is a return by the bank, its code kept in the note.
    pub fn of_return_code(code: &str) -> FailureReason {
        match code {
            // The account number, the creditor's name or address, the bank's identifier.
            "AC01" | "AC03" | "BE01" | "BE04" | "RC01" | "RR03" => FailureReason::DetailsInvalid,
            // Closed account, deceased holder.
            "AC04" | "MD07" => FailureReason::AccountClosed,
            _ => FailureReason::ReturnedByBank,
        }
    }
}

/// How a payout was really paid, said when it becomes Success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(rename_all = "snake_case")]
pub enum PaidVia {
    /// PayPal, Venmo included (PayPal Payouts pays both).
    Paypal,
    BankTransfer,
    Wise,
    Cash,
    Other,
}

impl PaidVia {
    /// As stored and in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            PaidVia::Paypal => "paypal",
            PaidVia::BankTransfer => "bank_transfer",
            PaidVia::Wise => "wise",
            PaidVia::Cash => "cash",
            PaidVia::Other => "other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_codes_name_their_reason() {
        use FailureReason::*;
        for (code, reason) in [
            ("AC04", AccountClosed),
            ("MD07", AccountClosed),
            ("AC01", DetailsInvalid),
            ("BE04", DetailsInvalid),
            ("AM05", ReturnedByBank),
            ("", ReturnedByBank),
        ] {
            assert_eq!(FailureReason::of_return_code(code), reason, "{code}");
        }
    }

    #[test]
    fn each_reason_reads_back_from_its_stored_text() {
        for reason in FailureReason::ALL {
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
            assert_eq!(
                serde_json::from_str::<FailureReason>(&json).unwrap(),
                reason
            );
        }
    }
}
