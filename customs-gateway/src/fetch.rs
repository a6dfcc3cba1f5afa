//! Signed fetches between gateways: how a gateway reads a document held in another
//! jurisdiction on behalf of one of its organizations.
//!
//! The fetching gateway signs, with the organization's ledger key, the domain
//! [`FETCH_DOMAIN`], the method, the path, the time and the reading user's login (so the
//! holder's read log names the person, vouched for by the organization's key); the holding gateway checks the
//! signature, that the time is within [`FETCH_SKEW_MS_MAX`] of its own clock, that this exact
//! signature was not seen before (replay), and then — outside this module — that the key
//! belongs to an unrevoked participant whose organization holds a ledger grant on the
//! document. This is the core: pure, with time passed in; the HTTP client and server are in
//! the shell.

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};

/// What every fetch signature signs first.
pub const FETCH_DOMAIN: &[u8] = b"silkway/fetch/v1";
/// How far a fetch's time may be from the holder's clock.
pub const FETCH_SKEW_MS_MAX: u64 = 60_000;
pub const HEADER_KEY: &str = "silkway-party-key";
pub const HEADER_TIME: &str = "silkway-time-ms";
pub const HEADER_SIGNATURE: &str = "silkway-signature";
pub const HEADER_READER: &str = "silkway-reader";
/// Longest reader login a fetch carries.
pub const READER_LEN_MAX: usize = 128;

/// The headers of a signed fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchHeaders {
    pub key_hex: String,
    pub time_ms: u64,
    /// The login of the user on whose behalf the organization reads.
    pub reader: String,
    pub signature_hex: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("header '{header}': {problem}")]
    Header {
        header: &'static str,
        problem: &'static str,
    },
    #[error("header 'silkway-time-ms': {skew_ms} ms away from this gateway's clock (at most {FETCH_SKEW_MS_MAX})")]
    Skewed { skew_ms: u64 },
    #[error("header 'silkway-signature': does not verify for this method, path and time")]
    BadSignature,
}

fn signing_bytes(method: &str, path: &str, time_ms: u64, reader: &str) -> Vec<u8> {
    let mut bytes = FETCH_DOMAIN.to_vec();
    let time = time_ms.to_be_bytes();
    for part in [method.as_bytes(), path.as_bytes(), &time, reader.as_bytes()] {
        bytes.extend_from_slice(&(part.len() as u32).to_be_bytes());
        bytes.extend_from_slice(part);
    }
    bytes
}

/// Signs a fetch of `path` with `method` at `time_ms` for the user `reader`.
pub fn sign(
    key: &SigningKey,
    method: &str,
    path: &str,
    time_ms: u64,
    reader: &str,
) -> FetchHeaders {
    let signed = signing_bytes(method, path, time_ms, reader);
    FetchHeaders {
        key_hex: hex::encode(key.verifying_key().to_bytes()),
        time_ms,
        reader: reader.to_string(),
        signature_hex: hex::encode(key.sign(&signed).to_bytes()),
    }
}

/// Checks a fetch's headers; returns the signer's public key.
pub fn verify(
    headers: &FetchHeaders,
    method: &str,
    path: &str,
    now_ms: u64,
) -> Result<[u8; 32], FetchError> {
    let key: [u8; 32] = decode_hex(&headers.key_hex, HEADER_KEY)?;
    let signature: [u8; 64] = decode_hex(&headers.signature_hex, HEADER_SIGNATURE)?;
    let reader = &headers.reader;
    if reader.is_empty()
        || reader.len() > READER_LEN_MAX
        || !reader.chars().all(|c| c.is_ascii_graphic())
    {
        return Err(FetchError::Header {
            header: HEADER_READER,
            problem: "must be 1 to 128 printable ASCII characters",
        });
    }
    let skew_ms = now_ms.abs_diff(headers.time_ms);
    if skew_ms > FETCH_SKEW_MS_MAX {
        return Err(FetchError::Skewed { skew_ms });
    }
    let verifying = VerifyingKey::from_bytes(&key).map_err(|_| FetchError::Header {
        header: HEADER_KEY,
        problem: "is not an Ed25519 public key",
    })?;
    verifying
        .verify(
            &signing_bytes(method, path, headers.time_ms, &headers.reader),
            &Signature::from_bytes(&signature),
        )
        .map_err(|_| FetchError::BadSignature)?;
    Ok(key)
}

fn decode_hex<const N: usize>(text: &str, header: &'static str) -> Result<[u8; N], FetchError> {
    let bytes = hex::decode(text).map_err(|_| FetchError::Header {
        header,
        problem: "is not hex",
    })?;
    bytes.try_into().map_err(|_| FetchError::Header {
        header,
        problem: "has the wrong length",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_fetch_verifies_only_for_its_method_path_and_time() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let path = "/api/v1/documents/ab/content";
        let headers = sign(&key, "GET", path, 1_000_000, "tianshan-heavy-industry");
        let public = key.verifying_key().to_bytes();
        assert_eq!(verify(&headers, "GET", path, 1_000_500), Ok(public));
        assert_eq!(
            verify(&headers, "GET", "/api/v1/documents/cd/content", 1_000_000),
            Err(FetchError::BadSignature)
        );
        assert_eq!(
            verify(&headers, "POST", path, 1_000_000),
            Err(FetchError::BadSignature)
        );
        assert_eq!(
            verify(&headers, "GET", path, 1_000_000 + FETCH_SKEW_MS_MAX + 1),
            Err(FetchError::Skewed {
                skew_ms: FETCH_SKEW_MS_MAX + 1
            })
        );
        let mut later = headers.clone();
        later.time_ms += 1;
        assert_eq!(
            verify(&later, "GET", path, 1_000_000),
            Err(FetchError::BadSignature)
        );
        let mut other_reader = headers.clone();
        other_reader.reader = "someone-else".into();
        assert_eq!(
            verify(&other_reader, "GET", path, 1_000_000),
            Err(FetchError::BadSignature)
        );
        let mut no_reader = headers.clone();
        no_reader.reader = String::new();
        assert!(matches!(
            verify(&no_reader, "GET", path, 1_000_000),
            Err(FetchError::Header {
                header: HEADER_READER,
                ..
            })
        ));
        let mut garbled = headers;
        garbled.key_hex = "zz".into();
        assert!(matches!(
            verify(&garbled, "GET", path, 1_000_000),
            Err(FetchError::Header {
                header: HEADER_KEY,
                ..
            })
        ));
    }
}
