//! OpenPGP signatures, verified by `gpg` itself.
//!
//! OpenPGP is the alternative to SSH keys: the policy binds members to key fingerprints
//! (`[ledger.openpgp]`), and `gpg --verify` says which key made a signature and whether
//! that key was expired or revoked. The public keys come from `[ledger] openpgp_keys` (an
//! armored file in the repository, imported into a private, temporary GnuPG home so the
//! verdict does not depend on the verifier's own keyring) or, without it, from the
//! verifier's keyring. Which keyring supplied a key does not matter for trust: the
//! fingerprint the policy names is a hash of the key.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What `gpg --verify` established about one signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodSignature {
    /// The signing (sub)key's fingerprint, upper-case hex.
    pub fingerprint: String,
    /// The primary key's fingerprint, upper-case hex.
    pub primary: String,
}

/// A `gpg` to verify with: the verifier's own home, or a temporary one holding the keys
/// the policy names.
pub struct Gpg {
    home: Option<TempHome>,
}

struct TempHome(PathBuf);

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Gpg {
    /// A `gpg` with `keys` (armored public keys) imported into a home of its own, or the
    /// user's home when `keys` is `None`. Fails when `gpg` cannot run.
    pub fn new(keys: Option<&[u8]>) -> Result<Gpg, String> {
        let Some(keys) = keys else {
            version_check()?;
            return Ok(Gpg { home: None });
        };
        let dir = std::env::temp_dir().join(format!(
            "reltag-gpg-{}-{}",
            std::process::id(),
            super::event::EventId::random()
        ));
        create_private_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let home = TempHome(dir);
        let output = run(Some(&home.0), &["--import"], keys)?;
        if !output.status.success() {
            return Err(format!(
                "gpg could not import the keys of [ledger] openpgp_keys ({}): commit armored public keys there (`gpg --armor --export <fingerprint>`)",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(Gpg { home: Some(home) })
    }

    /// Verify the armored `signature` over `data`.
    pub fn verify(&self, signature: &[u8], data: &[u8]) -> Result<GoodSignature, String> {
        let home = self.home.as_ref().map(|h| h.0.as_path());
        let sig_file = std::env::temp_dir().join(format!(
            "reltag-sig-{}-{}.asc",
            std::process::id(),
            super::event::EventId::random()
        ));
        std::fs::write(&sig_file, signature)
            .map_err(|e| format!("cannot write {}: {e}", sig_file.display()))?;
        let sig_arg = sig_file.to_string_lossy().into_owned();
        let output = run(home, &["--status-fd", "1", "--verify", &sig_arg, "-"], data);
        let _ = std::fs::remove_file(&sig_file);
        parse_status(&String::from_utf8_lossy(&output?.stdout))
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new().mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir(dir)
}

fn version_check() -> Result<(), String> {
    Command::new("gpg")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|_| ())
        .map_err(|_| missing())
}

fn missing() -> String {
    "gpg is not installed (or not on PATH): OpenPGP-signed events cannot be verified; install GnuPG (the `gnupg` package)".into()
}

fn run(home: Option<&Path>, args: &[&str], stdin: &[u8]) -> Result<std::process::Output, String> {
    let mut command = Command::new("gpg");
    command.args(["--batch", "--no-tty", "--quiet"]);
    if let Some(home) = home {
        command.arg("--homedir").arg(home);
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|_| missing())?;
    if let Some(mut input) = child.stdin.take() {
        // A gpg that exits early closes its stdin; its status lines say why.
        let _ = input.write_all(stdin);
    }
    child
        .wait_with_output()
        .map_err(|e| format!("gpg did not finish: {e}"))
}

/// Read gpg's `--status-fd` lines. Good only with GOODSIG and VALIDSIG and nothing that
/// says expired, revoked or bad.
fn parse_status(status: &str) -> Result<GoodSignature, String> {
    let mut good = false;
    let mut valid: Option<GoodSignature> = None;
    for line in status.lines() {
        let Some(rest) = line.strip_prefix("[GNUPG:] ") else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        match fields.first().copied() {
            Some("GOODSIG") => good = true,
            Some("VALIDSIG") => {
                let fingerprint = fields.get(1).copied().unwrap_or_default();
                let primary = fields.get(10).copied().unwrap_or(fingerprint);
                valid = Some(GoodSignature {
                    fingerprint: fingerprint.to_ascii_uppercase(),
                    primary: primary.to_ascii_uppercase(),
                });
            }
            Some("EXPKEYSIG") => {
                return Err(format!(
                    "signed by OpenPGP key {}, which has expired",
                    fields.get(1).unwrap_or(&"?")
                ));
            }
            Some("REVKEYSIG") => {
                return Err(format!(
                    "signed by OpenPGP key {}, which is revoked",
                    fields.get(1).unwrap_or(&"?")
                ));
            }
            Some("EXPSIG") => return Err("the OpenPGP signature has expired".into()),
            Some("BADSIG") => {
                return Err("the OpenPGP signature does not match the event's commit".into());
            }
            Some("NO_PUBKEY") => {
                return Err(format!(
                    "signed by OpenPGP key {}, which is not in [ledger] openpgp_keys (or the keyring)",
                    fields.get(1).unwrap_or(&"?")
                ));
            }
            _ => {}
        }
    }
    match (good, valid) {
        (true, Some(valid)) => Ok(valid),
        _ => Err("gpg could not verify the OpenPGP signature".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_decide() {
        let good = "[GNUPG:] NEWSIG\n[GNUPG:] GOODSIG 0123456789ABCDEF Alice <a@x>\n[GNUPG:] VALIDSIG 1111 2026-01-01 1767225600 0 4 0 22 10 00 AAAA\n";
        assert_eq!(
            parse_status(good),
            Ok(GoodSignature {
                fingerprint: "1111".into(),
                primary: "AAAA".into()
            })
        );
        for bad in [
            "[GNUPG:] EXPKEYSIG 0123 Alice\n[GNUPG:] VALIDSIG 1111 x y z a b c d e AAAA\n",
            "[GNUPG:] REVKEYSIG 0123 Alice\n",
            "[GNUPG:] BADSIG 0123 Alice\n",
            "[GNUPG:] ERRSIG 0123 22 10 00 1767225600 9 AAAA\n[GNUPG:] NO_PUBKEY 0123\n",
            "",
            "[GNUPG:] GOODSIG 0123 Alice\n",
        ] {
            assert!(parse_status(bad).is_err(), "{bad}");
        }
    }
}
