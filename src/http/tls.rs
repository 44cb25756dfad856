//! The certificates reltag trusts: the operating system's, and `SSL_CERT_FILE`.
//!
//! rustls-native-certs reads the system store: the keychain on macOS, the Windows store,
//! and on Linux and the BSDs the CA bundle OpenSSL uses. Like OpenSSL (and so git and
//! curl), it takes `SSL_CERT_FILE` and `SSL_CERT_DIR`, when set, as the place of that
//! store. reltag also reads `SSL_CERT_FILE` itself, so that a file that is set but cannot
//! be read, or holds no certificate, is an error that names it (exit 2) rather than a
//! TLS failure that does not. No root certificates are bundled into the binary: a
//! corporate CA installed on the machine is trusted, a CA nobody installed is not.

use std::path::PathBuf;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use ureq::tls::Certificate;

use super::SetupError;

/// Every certificate to trust as a root.
pub fn trusted_roots(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Certificate<'static>>, SetupError> {
    let mut roots: Vec<Certificate<'static>> = rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .map(|der| Certificate::from_der(der).to_owned())
        .collect();
    if let Some(file) = lookup("SSL_CERT_FILE").filter(|v| !v.trim().is_empty()) {
        let path = PathBuf::from(&file);
        let unusable = |reason: String| SetupError::CertFile {
            path: path.clone(),
            reason,
        };
        let pem = std::fs::read(&path).map_err(|e| unusable(e.to_string()))?;
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| unusable(format!("it is not a PEM file ({e})")))?;
        if certificates.is_empty() {
            return Err(unusable("it holds no PEM certificate".into()));
        }
        roots.extend(
            certificates
                .iter()
                .map(|der| Certificate::from_der(der).to_owned()),
        );
    }
    if roots.is_empty() {
        return Err(SetupError::NoRoots);
    }
    Ok(roots)
}
