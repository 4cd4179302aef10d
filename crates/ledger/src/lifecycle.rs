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
}

impl RequestStatus {
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
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
}

impl PayoutStatus {
    pub const ALL: [PayoutStatus; 4] = [
        PayoutStatus::Pending,
        PayoutStatus::OnProcess,
        PayoutStatus::Success,
        PayoutStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PayoutStatus::Pending => "pending",
            PayoutStatus::OnProcess => "on_process",
            PayoutStatus::Success => "success",
            PayoutStatus::Failed => "failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PayoutStatus::Pending => "Pending",
            PayoutStatus::OnProcess => "On Process",
            PayoutStatus::Success => "Success",
            PayoutStatus::Failed => "Failed",
        }
    }

    /// The moves of docs/PRODUCT.md: Pending → On Process / Success / Failed; On Process → Success /
    /// Failed / Pending; Failed → Pending (retry); Success → Failed (returned, note required).
    pub fn can_move_to(self, to: PayoutStatus) -> bool {
        use PayoutStatus::*;
        matches!(
            (self, to),
            (Pending, OnProcess | Success | Failed)
                | (OnProcess, Success | Failed | Pending)
                | (Failed, Pending)
                | (Success, Failed)
        )
    }

    /// A move that must carry a note saying why.
    pub fn needs_note(self, to: PayoutStatus) -> bool {
        self == PayoutStatus::Success && to == PayoutStatus::Failed
    }
}
