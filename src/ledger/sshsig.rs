//! SSH signatures (OpenSSH's `PROTOCOL.sshsig`), verified in-process.
//!
//! git signs a commit with an SSH key by running `ssh-keygen -Y sign -n git` over the
//! commit object without its `gpgsig` header, and stores the armored `SSH SIGNATURE` in
//! that header. Verifying one here instead of spawning `ssh-keygen` per event is what
//! keeps a fresh clone's fold of ten thousand signed events under a second: the
//! cryptography is `ring`'s (already in the tree for TLS), the framing below is the
//! format's, and the tests check every verdict against `ssh-keygen` itself.
//!
//! Supported keys: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ecdsa-sha2-nistp384`, RSA
//! (`rsa-sha2-256`/`rsa-sha2-512` signatures, 2048 bits or more), and the security-key
//! variants `sk-ssh-ed25519@openssh.com` and `sk-ecdsa-sha2-nistp256@openssh.com`. Any
//! other key type is reported as unsupported, never as valid.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ring::signature::{self, UnparsedPublicKey};
use sha2::{Digest as _, Sha256, Sha512};

const MAGIC: &[u8] = b"SSHSIG";
const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
const END: &str = "-----END SSH SIGNATURE-----";

/// An SSH public key: its algorithm name and its wire-format blob.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicKey {
    pub algorithm: String,
    pub blob: Vec<u8>,
}

impl PublicKey {
    /// Parse the `<type> <base64>` of an OpenSSH public key line (what follows is a
    /// comment).
    pub fn parse(keytype: &str, base64: &str) -> Result<PublicKey, String> {
        let blob = STANDARD
            .decode(base64.trim())
            .map_err(|_| format!("the {keytype} key is not valid base64"))?;
        let mut reader = Reader::new(&blob);
        let algorithm = reader
            .string_utf8()
            .map_err(|e| format!("the {keytype} key does not decode: {e}"))?;
        if algorithm != keytype {
            return Err(format!(
                "the key says it is {algorithm}, but the line says {keytype}"
            ));
        }
        Ok(PublicKey { algorithm, blob })
    }

    fn from_blob(blob: &[u8]) -> Result<PublicKey, String> {
        let algorithm = Reader::new(blob).string_utf8()?;
        Ok(PublicKey {
            algorithm,
            blob: blob.to_vec(),
        })
    }

    /// `SHA256:<base64>`, as `ssh-keygen -l` and git print it.
    pub fn fingerprint(&self) -> String {
        format!(
            "SHA256:{}",
            STANDARD_NO_PAD.encode(Sha256::digest(&self.blob))
        )
    }

    /// The OpenSSH one-line form, `<type> <base64>`.
    pub fn to_openssh(&self) -> String {
        format!("{} {}", self.algorithm, STANDARD.encode(&self.blob))
    }
}

/// A parsed `SSH SIGNATURE`.
#[derive(Debug, Clone)]
pub struct SshSignature {
    pub key: PublicKey,
    pub namespace: String,
    hash_algorithm: String,
    signature: Vec<u8>,
}

impl SshSignature {
    /// Parse the armored form (`-----BEGIN SSH SIGNATURE-----` …), as git stores it.
    pub fn from_armored(text: &[u8]) -> Result<SshSignature, String> {
        let text = std::str::from_utf8(text).map_err(|_| "the signature is not text")?;
        let text = text.trim();
        let body = text
            .strip_prefix(BEGIN)
            .and_then(|rest| rest.strip_suffix(END))
            .ok_or("not an SSH signature (no BEGIN/END SSH SIGNATURE lines)")?;
        let base64: String = body.split_whitespace().collect();
        let bytes = STANDARD
            .decode(base64)
            .map_err(|_| "the SSH signature is not valid base64")?;
        SshSignature::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<SshSignature, String> {
        let rest = bytes
            .strip_prefix(MAGIC)
            .ok_or("the SSH signature lacks its SSHSIG preamble")?;
        let mut reader = Reader::new(rest);
        let version = reader.u32()?;
        if version != 1 {
            return Err(format!("SSH signature version {version} is not supported"));
        }
        let key = PublicKey::from_blob(reader.string()?)?;
        let namespace = reader.string_utf8()?;
        let _reserved = reader.string()?;
        let hash_algorithm = reader.string_utf8()?;
        let signature = reader.string()?.to_vec();
        if !reader.is_empty() {
            return Err("the SSH signature has trailing bytes".into());
        }
        Ok(SshSignature {
            key,
            namespace,
            hash_algorithm,
            signature,
        })
    }

    /// Check that this signature, made in `namespace`, covers `message` and was made by
    /// [`SshSignature::key`]. Which key may sign for whom is the allowed signers' business.
    pub fn verify(&self, namespace: &str, message: &[u8]) -> Result<(), String> {
        if self.namespace != namespace {
            return Err(format!(
                "the signature was made for the {:?} namespace, not {namespace:?}",
                self.namespace
            ));
        }
        let digest = match self.hash_algorithm.as_str() {
            "sha512" => Sha512::digest(message).to_vec(),
            "sha256" => Sha256::digest(message).to_vec(),
            other => return Err(format!("hash algorithm {other:?} is not supported")),
        };
        // What was signed: the preamble, the namespace, the reserved field, the hash
        // algorithm and the message's hash (PROTOCOL.sshsig, "Signed Data").
        let mut signed = Vec::with_capacity(64 + digest.len());
        signed.extend_from_slice(MAGIC);
        put_string(&mut signed, self.namespace.as_bytes());
        put_string(&mut signed, b"");
        put_string(&mut signed, self.hash_algorithm.as_bytes());
        put_string(&mut signed, &digest);
        verify_raw(&self.key, &self.signature, &signed)
    }
}

/// Verify an SSH signature blob (`string algorithm, string signature …`) by `key` over
/// `data`.
fn verify_raw(key: &PublicKey, sig_blob: &[u8], data: &[u8]) -> Result<(), String> {
    let bad = || "the signature does not match the signed data".to_string();
    let mut key_reader = Reader::new(&key.blob);
    key_reader.string()?;
    let mut sig_reader = Reader::new(sig_blob);
    let sig_algorithm = sig_reader.string_utf8()?;
    match key.algorithm.as_str() {
        "ssh-ed25519" => {
            expect_algorithm(&sig_algorithm, &["ssh-ed25519"])?;
            let public = key_reader.string()?;
            let sig = sig_reader.string()?;
            UnparsedPublicKey::new(&signature::ED25519, public)
                .verify(data, sig)
                .map_err(|_| bad())
        }
        "ecdsa-sha2-nistp256" | "ecdsa-sha2-nistp384" => {
            expect_algorithm(&sig_algorithm, &[key.algorithm.as_str()])?;
            let _curve = key_reader.string()?;
            let point = key_reader.string()?;
            let (algorithm, width): (&'static signature::EcdsaVerificationAlgorithm, usize) =
                if key.algorithm.ends_with("256") {
                    (&signature::ECDSA_P256_SHA256_FIXED, 32)
                } else {
                    (&signature::ECDSA_P384_SHA384_FIXED, 48)
                };
            let fixed = ecdsa_fixed(sig_reader.string()?, width)?;
            UnparsedPublicKey::new(algorithm, point)
                .verify(data, &fixed)
                .map_err(|_| bad())
        }
        "ssh-rsa" => {
            let algorithm: &'static signature::RsaParameters = match sig_algorithm.as_str() {
                "rsa-sha2-512" => &signature::RSA_PKCS1_2048_8192_SHA512,
                "rsa-sha2-256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                other => {
                    return Err(format!(
                        "an RSA signature of type {other:?} (SHA-1) is not accepted"
                    ));
                }
            };
            let e = mpint(key_reader.string()?);
            let n = mpint(key_reader.string()?);
            let sig = sig_reader.string()?;
            signature::RsaPublicKeyComponents { n, e }
                .verify(algorithm, data, sig)
                .map_err(|_| bad())
        }
        "sk-ssh-ed25519@openssh.com" | "sk-ecdsa-sha2-nistp256@openssh.com" => {
            expect_algorithm(&sig_algorithm, &[key.algorithm.as_str()])?;
            let ed25519 = key.algorithm.starts_with("sk-ssh-ed25519");
            let (public, application) = if ed25519 {
                (key_reader.string()?, key_reader.string()?)
            } else {
                let _curve = key_reader.string()?;
                (key_reader.string()?, key_reader.string()?)
            };
            let raw = sig_reader.string()?;
            let flags = sig_reader.u8()?;
            let counter = sig_reader.u32()?;
            // A security key signs the application's hash, its flags and counter, and
            // the data's hash (PROTOCOL.u2f).
            let mut signed = Vec::with_capacity(69);
            signed.extend_from_slice(&Sha256::digest(application));
            signed.push(flags);
            signed.extend_from_slice(&counter.to_be_bytes());
            signed.extend_from_slice(&Sha256::digest(data));
            if ed25519 {
                UnparsedPublicKey::new(&signature::ED25519, public)
                    .verify(&signed, raw)
                    .map_err(|_| bad())
            } else {
                let fixed = ecdsa_fixed(raw, 32)?;
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, public)
                    .verify(&signed, &fixed)
                    .map_err(|_| bad())
            }
        }
        other => Err(format!("{other} keys are not supported for signed events")),
    }
}

fn expect_algorithm(found: &str, expected: &[&str]) -> Result<(), String> {
    if expected.contains(&found) {
        Ok(())
    } else {
        Err(format!(
            "a {found} signature from a {} key",
            expected.join("/")
        ))
    }
}

/// An ECDSA signature `mpint r, mpint s` as the fixed-width `r || s` ring expects.
fn ecdsa_fixed(blob: &[u8], width: usize) -> Result<Vec<u8>, String> {
    let mut reader = Reader::new(blob);
    let mut fixed = Vec::with_capacity(2 * width);
    for _ in 0..2 {
        let value = mpint(reader.string()?);
        if value.len() > width {
            return Err("the ECDSA signature is malformed".into());
        }
        fixed.extend(std::iter::repeat_n(0, width - value.len()));
        fixed.extend_from_slice(value);
    }
    Ok(fixed)
}

/// An SSH mpint's magnitude, without the sign byte.
fn mpint(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    // Lengths here are of hashes and short names: they fit in a u32.
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The SSH wire format's `uint32` and `string`, bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("truncated SSH data".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn string(&mut self) -> Result<&'a [u8], String> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    fn string_utf8(&mut self) -> Result<String, String> {
        let bytes = self.string()?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| "an SSH name is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    /// A key made by ssh-keygen, and a signature of `message` by it, made by ssh-keygen.
    fn sign_with_ssh_keygen(dir: &Path, keytype: &[&str], message: &[u8]) -> (String, Vec<u8>) {
        let key = dir.join(format!("key{}", keytype.join("")));
        let status = Command::new("ssh-keygen")
            .args(["-q", "-N", "", "-C", "test", "-f"])
            .arg(&key)
            .args(keytype)
            .status()
            .unwrap();
        assert!(status.success());
        let data = dir.join("data");
        std::fs::write(&data, message).unwrap();
        let _ = std::fs::remove_file(dir.join("data.sig"));
        let status = Command::new("ssh-keygen")
            .args(["-q", "-Y", "sign", "-n", "git", "-f"])
            .arg(&key)
            .arg(&data)
            .status()
            .unwrap();
        assert!(status.success());
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        let sig = std::fs::read(dir.join("data.sig")).unwrap();
        (public, sig)
    }

    fn public_key(line: &str) -> PublicKey {
        let mut parts = line.split_whitespace();
        PublicKey::parse(parts.next().unwrap(), parts.next().unwrap()).unwrap()
    }

    #[test]
    fn signatures_made_by_ssh_keygen_verify_and_tampering_does_not() {
        let dir = tempfile::tempdir().unwrap();
        for keytype in [
            &["-t", "ed25519"][..],
            &["-t", "ecdsa", "-b", "256"],
            &["-t", "ecdsa", "-b", "384"],
            &["-t", "rsa", "-b", "2048"],
        ] {
            let message = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage\n";
            let (public, sig) = sign_with_ssh_keygen(dir.path(), keytype, message);
            let parsed = SshSignature::from_armored(&sig).unwrap();
            assert_eq!(parsed.key, public_key(&public), "{keytype:?}");
            assert_eq!(parsed.verify("git", message), Ok(()), "{keytype:?}");
            assert!(parsed.verify("git", b"another message").is_err());
            assert!(parsed.verify("file", message).is_err());
        }
    }

    #[test]
    fn the_fingerprint_is_the_one_ssh_keygen_prints() {
        let dir = tempfile::tempdir().unwrap();
        let (public, _) = sign_with_ssh_keygen(dir.path(), &["-t", "ed25519"], b"x");
        let key_file = dir.path().join("key-ted25519.pub");
        let out = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(&key_file)
            .output()
            .unwrap();
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            printed.split_whitespace().nth(1).unwrap(),
            public_key(&public).fingerprint()
        );
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        for input in [
            &b""[..],
            b"-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----",
            b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----",
            b"-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAf////8=\n-----END SSH SIGNATURE-----",
            b"-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----",
        ] {
            assert!(SshSignature::from_armored(input).is_err());
        }
        assert!(PublicKey::parse("ssh-ed25519", "AAAA").is_err());
        assert!(PublicKey::parse("ssh-ed25519", "!!").is_err());
    }
}
