//! Canonical CBOR (RFC 8949 §4.2.1, "core deterministic encoding") through `ciborium`.
//!
//! Encoding goes through `ciborium::Value` so that map keys can be sorted by their encoded
//! bytes before writing; `ciborium` already writes integers and lengths in their shortest form
//! and strings, arrays and maps with definite lengths. The data model has no floats.
//!
//! Decoding is strict, because fingerprints and signatures are computed over these bytes: input
//! over a size cap, nested deeper than a bound, followed by trailing bytes, or not byte-for-byte
//! what [`to_canonical`] would write for the decoded value is refused. The last check (decode,
//! re-encode, compare) covers every non-canonical spelling at once: unsorted or duplicate keys,
//! long-form integers, indefinite lengths, explicit nulls for absent fields, and values whose
//! text is not in normal form (`"0100.00"`).

use ciborium::value::Value;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Limits applied when decoding untrusted CBOR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    pub size_max_bytes: usize,
    pub depth_max: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            size_max_bytes: 1024 * 1024,
            depth_max: 32,
        }
    }
}

/// Why CBOR was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    #[error("input is {size} bytes, over the limit of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("input nests deeper than {max} levels")]
    TooDeep { max: usize },
    #[error("malformed CBOR: {0}")]
    Malformed(String),
    #[error("{count} trailing bytes after the CBOR item, starting at byte {offset}")]
    TrailingBytes { offset: usize, count: usize },
    #[error("CBOR does not describe this document: {0}")]
    Schema(String),
    #[error("non-canonical CBOR: first difference from the canonical encoding at byte {offset}")]
    NonCanonical { offset: usize },
    #[error("value cannot be encoded: {0}")]
    Encode(String),
}

/// The canonical CBOR bytes of a value.
pub fn to_canonical<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CborError> {
    let value = Value::serialized(value).map_err(|e| CborError::Encode(e.to_string()))?;
    let value = canonicalize(value)?;
    let mut out = Vec::new();
    ciborium::into_writer(&value, &mut out).map_err(|e| CborError::Encode(e.to_string()))?;
    Ok(out)
}

/// Decodes canonical CBOR with the default limits (1 MiB, 32 levels).
pub fn from_canonical<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<T, CborError> {
    from_canonical_with(bytes, DecodeLimits::default())
}

/// Decodes canonical CBOR, refusing anything [`to_canonical`] would not have written.
pub fn from_canonical_with<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    limits: DecodeLimits,
) -> Result<T, CborError> {
    let value = decode_value(bytes, limits)?;
    let typed: T = value
        .deserialized()
        .map_err(|e| CborError::Schema(e.to_string()))?;
    let again = to_canonical(&typed)?;
    if again != bytes {
        let offset = again
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(bytes.len()));
        return Err(CborError::NonCanonical { offset });
    }
    Ok(typed)
}

/// Decodes one CBOR item with the size, depth and trailing-byte checks, without a type.
pub fn decode_value(bytes: &[u8], limits: DecodeLimits) -> Result<Value, CborError> {
    if bytes.len() > limits.size_max_bytes {
        return Err(CborError::TooLarge {
            size: bytes.len(),
            max: limits.size_max_bytes,
        });
    }
    let mut rest = bytes;
    let value: Value = ciborium::de::from_reader_with_recursion_limit(&mut rest, limits.depth_max)
        .map_err(|e| match e {
            ciborium::de::Error::RecursionLimitExceeded => CborError::TooDeep {
                max: limits.depth_max,
            },
            other => CborError::Malformed(other.to_string()),
        })?;
    if !rest.is_empty() {
        return Err(CborError::TrailingBytes {
            offset: bytes.len() - rest.len(),
            count: rest.len(),
        });
    }
    Ok(value)
}

/// Sorts every map by encoded key bytes (RFC 8949 §4.2.1) and refuses floats and duplicate keys.
fn canonicalize(value: Value) -> Result<Value, CborError> {
    Ok(match value {
        Value::Map(entries) => {
            let mut keyed = entries
                .into_iter()
                .map(|(k, v)| {
                    let k = canonicalize(k)?;
                    let mut key_bytes = Vec::new();
                    ciborium::into_writer(&k, &mut key_bytes)
                        .map_err(|e| CborError::Encode(e.to_string()))?;
                    Ok((key_bytes, k, canonicalize(v)?))
                })
                .collect::<Result<Vec<_>, CborError>>()?;
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            if keyed.windows(2).any(|w| w[0].0 == w[1].0) {
                return Err(CborError::Encode("duplicate map key".into()));
            }
            Value::Map(keyed.into_iter().map(|(_, k, v)| (k, v)).collect())
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(canonicalize)
                .collect::<Result<_, _>>()?,
        ),
        Value::Tag(tag, inner) => Value::Tag(tag, Box::new(canonicalize(*inner)?)),
        Value::Float(_) => {
            return Err(CborError::Encode(
                "floating point has no place in the canonical data model".into(),
            ))
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        zeta: u64,
        a: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        maybe: Option<u8>,
    }

    fn sample() -> Sample {
        Sample {
            zeta: 500,
            a: "x".into(),
            maybe: None,
        }
    }

    #[test]
    fn keys_sorted_by_encoded_bytes_and_integers_shortest() {
        let bytes = to_canonical(&sample()).unwrap();
        // {"a": "x", "zeta": 500}: "a" sorts before "zeta" (shorter encoding first), and 500
        // is 0x19 0x01 0xf4, the two-byte form.
        assert_eq!(hex::encode(&bytes), "a261616178647a6574611901f4");
        assert_eq!(from_canonical::<Sample>(&bytes).unwrap(), sample());
    }

    #[test]
    fn refuses_unsorted_keys() {
        // {"zeta": 500, "a": "x"}
        let bytes = hex::decode("a2647a6574611901f461616178").unwrap();
        assert_eq!(
            from_canonical::<Sample>(&bytes),
            Err(CborError::NonCanonical { offset: 1 })
        );
    }

    #[test]
    fn refuses_long_form_integer() {
        // 500 written as a four-byte integer.
        let bytes = hex::decode("a261616178647a6574611a000001f4").unwrap();
        assert!(matches!(
            from_canonical::<Sample>(&bytes),
            Err(CborError::NonCanonical { .. })
        ));
    }

    #[test]
    fn refuses_explicit_null_for_absent_field() {
        // {"a": "x", "zeta": 500, "maybe": null}
        let bytes = hex::decode("a361616178647a6574611901f4656d61796265f6").unwrap();
        assert!(matches!(
            from_canonical::<Sample>(&bytes),
            Err(CborError::NonCanonical { .. })
        ));
    }

    #[test]
    fn refuses_indefinite_length_map() {
        let bytes = hex::decode("bf61616178647a6574611901f4ff").unwrap();
        assert!(matches!(
            from_canonical::<Sample>(&bytes),
            Err(CborError::NonCanonical { offset: 0 })
        ));
    }

    #[test]
    fn refuses_trailing_bytes_size_and_depth() {
        let mut bytes = to_canonical(&sample()).unwrap();
        let len = bytes.len();
        bytes.push(0x00);
        assert_eq!(
            from_canonical::<Sample>(&bytes),
            Err(CborError::TrailingBytes {
                offset: len,
                count: 1
            })
        );
        let limits = DecodeLimits {
            size_max_bytes: 4,
            depth_max: 32,
        };
        assert!(matches!(
            from_canonical_with::<Sample>(&bytes[..len], limits),
            Err(CborError::TooLarge { .. })
        ));
        let deep = [vec![0x81u8; 40], vec![0x00]].concat();
        assert!(matches!(
            decode_value(&deep, DecodeLimits::default()),
            Err(CborError::TooDeep { max: 32 })
        ));
    }

    #[test]
    fn refuses_truncated_input() {
        let bytes = to_canonical(&sample()).unwrap();
        assert!(matches!(
            from_canonical::<Sample>(&bytes[..bytes.len() - 1]),
            Err(CborError::Malformed(_))
        ));
    }
}
