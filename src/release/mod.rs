//! Releasing: the criteria `reltag cut` evaluates ([`criteria`], with the seam for the
//! `ci` and `bugs` integrations) and the release notes ([`notes`]).

pub mod criteria;
pub mod cut;
pub mod facts;
pub mod gather;
pub mod notes;
