//! API callers that authenticate with a consortium client certificate instead of a token.
//!
//! A bank's back office or a customs system talks to the gateway's HTTPS listener with the
//! X.509 certificate its jurisdiction's consortium CA issued it — the same certificates the
//! validators use for QUIC. The handshake requires one (mutual TLS, TLS 1.3): the path is
//! validated to a consortium root of the participant's country (rustls-webpki, through
//! `consensus::identity`), and the participant must not be revoked on the ledger. The
//! certificate's organization (`O`) is the ledger party id the caller acts for; its role
//! (`OU` and the role extension) is the caller's role.
//!
//! Invariants:
//! - Until the revoked set has been read from the ledger once, no certificate is admitted
//!   (failing closed), and a participant revoked on the ledger is refused at the handshake and
//!   on every request of a connection opened before the revocation.
//! - A validator's certificate is not an API credential: validators do not trade.
//!
//! Deliberately not here: reading the ledger (the commit follower hands in the revoked keys),
//! and binding a certificate to one of the gateway's named users (the certificate is its own
//! identity; what the organization may do is decided by the ledger, as for any caller).

use std::any::Any;
use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use consensus::identity::tls::{peer_participant, server_config, TlsIdentity};
use consensus::identity::{IdentityError, TrustAnchors};
use consensus::participant::{Participant, ParticipantRole};
use ed25519_dalek::SigningKey;

use super::users::{User, UserRole};

/// The participant a connection's client certificate authenticated, kept per connection.
#[derive(Clone, Debug)]
pub struct PeerCertificate(pub Participant);

/// The public keys of participants revoked on the ledger, as last read.
#[derive(Debug, Default)]
pub struct Revocations {
    /// `None` until the first read from the ledger.
    revoked: RwLock<Option<HashSet<[u8; 32]>>>,
}

impl Revocations {
    /// Replaces the revoked set with the ledger's current one.
    pub fn replace(&self, revoked: HashSet<[u8; 32]>) {
        *self.revoked.write().unwrap_or_else(|p| p.into_inner()) = Some(revoked);
    }

    /// Whether `participant` may connect: the set is known and does not name it.
    pub fn admit(&self, participant: &Participant) -> Result<(), String> {
        match &*self.revoked.read().unwrap_or_else(|p| p.into_inner()) {
            None => Err("the gateway has not yet read the ledger's revocations; retry".into()),
            Some(set) if set.contains(&participant.public_key) => Err(format!(
                "participant '{}' of '{}' is revoked on the ledger",
                participant.name, participant.org
            )),
            Some(_) => Ok(()),
        }
    }
}

/// The HTTPS listener's TLS configuration: the gateway presents its own consortium
/// certificate and requires a client certificate validated to `trust_roots_pem`.
pub fn tls_config(
    certificate_pem: &str,
    key: &SigningKey,
    trust_roots_pem: &[String],
    revocations: Arc<Revocations>,
) -> Result<rustls::ServerConfig, IdentityError> {
    let identity = TlsIdentity::from_pem(certificate_pem, key)?;
    let roots: Vec<&str> = trust_roots_pem.iter().map(String::as_str).collect();
    let anchors = Arc::new(TrustAnchors::from_pems(&roots)?);
    let policy = Arc::new(move |p: &Participant| {
        if p.role == ParticipantRole::Validator {
            return Err("a validator certificate is not an API credential".to_string());
        }
        revocations.admit(p)
    });
    server_config(&identity, anchors, policy, now_unix_s)
}

/// actix's per-connection hook: remembers the participant of a TLS connection's verified
/// client certificate.
pub fn on_connect(connection: &dyn Any, data: &mut Extensions) {
    let Some(tls) = connection.downcast_ref::<TlsStream<TcpStream>>() else {
        return;
    };
    let leaf = tls.get_ref().1.peer_certificates().and_then(|c| c.first());
    if let Some(Ok(participant)) = leaf.map(|der| peer_participant(der)) {
        data.insert(PeerCertificate(participant));
    }
}

/// The caller a verified client certificate stands for.
pub fn user_of(participant: &Participant) -> Option<User> {
    let role = match participant.role {
        ParticipantRole::Bank => UserRole::Bank,
        ParticipantRole::Customs => UserRole::Customs,
        ParticipantRole::Exporter => UserRole::Exporter,
        ParticipantRole::Operator => UserRole::Operator,
        ParticipantRole::Validator => return None,
    };
    Some(User {
        login: format!("cert:{}", participant.serial_hex),
        display_name: participant.name.clone(),
        org: participant.org.clone(),
        role,
    })
}

fn now_unix_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use trade_docs::Country;

    fn participant(role: ParticipantRole) -> Participant {
        Participant {
            org: "STCBKZKAXXX".into(),
            name: "Steppe Commercial Bank back office".into(),
            country: Country::KZ,
            role,
            public_key: [3; 32],
            serial_hex: "0a1b".into(),
            not_after_unix_s: 0,
        }
    }

    #[test]
    fn nothing_is_admitted_before_the_revocations_are_read() {
        let revocations = Revocations::default();
        let bank = participant(ParticipantRole::Bank);
        assert!(revocations
            .admit(&bank)
            .unwrap_err()
            .contains("not yet read"));
        revocations.replace(HashSet::new());
        assert_eq!(revocations.admit(&bank), Ok(()));
    }

    #[test]
    fn a_revoked_participant_is_refused() {
        let revocations = Revocations::default();
        revocations.replace(HashSet::from([[3; 32]]));
        let refusal = revocations
            .admit(&participant(ParticipantRole::Bank))
            .unwrap_err();
        assert!(refusal.contains("revoked"), "{refusal}");
    }

    #[test]
    fn the_certificate_names_the_organization_and_role() {
        let user = user_of(&participant(ParticipantRole::Bank)).unwrap();
        assert_eq!(user.org, "STCBKZKAXXX");
        assert_eq!(user.role, UserRole::Bank);
        assert_eq!(user.login, "cert:0a1b");
        assert!(user_of(&participant(ParticipantRole::Validator)).is_none());
    }
}
