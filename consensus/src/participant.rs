//! Who takes part in the network: the role a consortium certificate gives a participant, and
//! what the ledger and the transport know of a participant.
//!
//! The certificate (see `identity`) is where a participant's organization, country and role
//! come from; the ledger keeps the same facts in its participant registry, and the transport
//! checks them at every handshake. This module only holds the shared types: it does no parsing
//! and no verification.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use trade_docs::Country;

/// The role a consortium certificate gives its holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    Validator,
    Bank,
    Customs,
    /// A trader: an exporter or an importer.
    Exporter,
    Operator,
}

impl ParticipantRole {
    pub const ALL: [ParticipantRole; 5] = [
        ParticipantRole::Validator,
        ParticipantRole::Bank,
        ParticipantRole::Customs,
        ParticipantRole::Exporter,
        ParticipantRole::Operator,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            ParticipantRole::Validator => "validator",
            ParticipantRole::Bank => "bank",
            ParticipantRole::Customs => "customs",
            ParticipantRole::Exporter => "exporter",
            ParticipantRole::Operator => "operator",
        }
    }
}

impl fmt::Display for ParticipantRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`ParticipantRole::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}' (expected validator, bank, customs, exporter or operator)")]
pub struct UnknownRole(pub String);

impl FromStr for ParticipantRole {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ParticipantRole::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What a verified certificate says about its holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participant {
    /// The subject's organization (O).
    pub org: String,
    /// The subject's common name (CN), e.g. "kz-validator-1" or "Steppe Commercial Bank".
    pub name: String,
    /// The subject's country (C); always the country of the root that issued the certificate.
    pub country: Country,
    pub role: ParticipantRole,
    /// The certificate's Ed25519 key, which is also the participant's signing key.
    #[serde(with = "hex_key")]
    pub public_key: [u8; 32],
    pub serial_hex: String,
    pub not_after_unix_s: i64,
}

mod hex_key {
    //! A 32-byte key as lower-case hex in JSON and CBOR alike.
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(key: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(key))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
        bytes
            .try_into()
            .map_err(|_| serde::de::Error::custom("expected 32 bytes of hex"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in ParticipantRole::ALL {
            assert_eq!(role.as_str().parse::<ParticipantRole>(), Ok(role));
        }
        assert_eq!(
            "auditor".parse::<ParticipantRole>(),
            Err(UnknownRole("auditor".into()))
        );
    }
}
