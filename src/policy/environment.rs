//! An environment of `[environments]` with its time rules parsed once, by validation:
//! the calendar (zone, windows, freezes), the notice and the soak. Every reader of an
//! environment — the promotion rules, the deployment plan, `status` — takes these
//! values; nothing parses a window or a duration again.

use jiff::SignedDuration;

use super::schema;
use crate::schedule::Calendar;

/// One environment, as validation parsed it.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Its key under `[environments]`, e.g. `prod`.
    pub name: String,
    /// The keys as the file has them (`from`, `approvals`, `deployers`,
    /// `rollback_anytime`; the raw texts of the values parsed below).
    pub settings: schema::Environment,
    /// The time zone, windows and freezes.
    pub calendar: Calendar,
    /// `notice`: how long before a promotion it must be scheduled (`None`: no schedule).
    pub notice: Option<SignedDuration>,
    /// `soak`: how long the version must have run in `from` (`None`: no soak).
    pub soak: Option<SignedDuration>,
}

impl Environment {
    /// The environment a version must run in before it may come here.
    pub fn from(&self) -> Option<&str> {
        self.settings.from.as_ref().map(|f| f.get_ref().as_str())
    }

    /// The roles whose approval a promotion here needs, in the policy's order.
    pub fn approvals(&self) -> Vec<String> {
        super::names(&self.settings.approvals)
    }

    /// The roles that may deploy here (none: anyone).
    pub fn deployers(&self) -> Vec<String> {
        super::names(&self.settings.deployers)
    }

    /// The IANA name of the environment's time zone.
    pub fn time_zone_name(&self) -> &str {
        self.calendar.time_zone().iana_name().unwrap_or("UTC")
    }
}
