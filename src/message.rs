//! Temporary: git's comment stripping, until the hooks module lands.
pub const DEFAULT_COMMENT: u8 = b'#';
pub enum Cleanup {
    Strip,
}
pub fn clean(raw: &[u8], _mode: Cleanup, comment: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for line in raw.split(|b| *b == b'\n') {
        if line.first() == Some(&comment) {
            continue;
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    while out.last().is_some_and(|b| b.is_ascii_whitespace()) {
        out.pop();
    }
    out
}
