//! Temporary stand-in until the schedule module lands.
use std::str::FromStr;
pub fn time_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    jiff::tz::db().get(name).map_err(|_| {
        format!("unknown time zone `{name}`: expected an IANA name such as America/New_York")
    })
}
pub struct Window;
impl FromStr for Window {
    type Err = String;
    fn from_str(_: &str) -> Result<Self, String> {
        Ok(Window)
    }
}
pub fn parse_duration(_: &str) -> Result<(), String> {
    Ok(())
}
pub struct Freeze;
impl Freeze {
    pub fn parse(_: &str, _: &str, _: &str) -> Result<Freeze, String> {
        Ok(Freeze)
    }
}
