//! The PRODUCT.md §7 corridor story as signed ledger transactions, for `silkway demo` and the
//! tests, and the benchmark's transaction.
//!
//! The demo generates a key per party ([`party_specs`]) and certifies it; [`scenario`] then
//! turns the trade-docs fixtures into the story, step by step, each with the outcome it must
//! have: the documents are anchored, the credit issued and advised, the beneficiary anchors
//! each document it presents and grants the issuing bank access to it, the documents are
//! presented and examined by `trade_docs::ucp600::examine` (exactly one discrepancy: shipment
//! one day late), the applicant waives it, the bank honours and settles; the invoice is registered and
//! financed, registered again re-typed, and a third bank's attempt to finance it again is
//! refused by the double-financing guard; the Chinese export and Kazakh import declarations are
//! assessed green and released; a second consignment via Aktau, undervalued, is assessed red
//! and cannot be released without an inspection.
//!
//! Dates: the fixtures are dated in 2026, the ledger's date is the block's. Every document date
//! is shifted by one offset so that the presentation falls on `today`; the shipment is still one
//! day late and the expiry still ahead. Every transaction is valid until `start_ms` plus
//! [`TX_VALIDITY_MAX_MS`], so they must be committed within two minutes of `start_ms`, each
//! after the previous one (later steps act on instruments earlier ones open).
//!
//! Party ids: a participant's organization. Banks use their BIC (as the credit names them);
//! traders the name the documents give them; customs posts and operators a fixed name here.
//! Deliberately not here: keys and certificates (the demo makes them) and submitting.

use ed25519_dalek::SigningKey;
use trade_docs::cbor::{to_canonical, CborError};
use trade_docs::document::{CustomsDeclaration, Document, Invoice, LetterOfCredit, Presentation};
use trade_docs::instrument::{
    Channel, DeclarationAction, DeclarationParties, DeclarationTerms, Examination, HitEffect,
    InvoiceAction, InvoiceParties, InvoiceTerms, LcAction, LcParties, LcTerms, PresentationAction,
    PresentationSubmission, RiskAssessment, Role, RuleHit,
};
use trade_docs::{demo, Country, Date, Fingerprint};

use super::tx::{InstrumentAction, SignedTx, TxBody, TxError};
use super::TX_VALIDITY_MAX_MS;
use crate::participant::{Participant, ParticipantRole};
use crate::types::{transaction_hash, Digest};

pub const ISSUING_BANK: &str = "STCBKZKAXXX";
pub const ADVISING_BANK: &str = "TSCMCNBJXXX";
/// The bank that tries to finance the invoice a second time.
pub const THIRD_BANK: &str = "CSFBKZKAXXX";
pub const APPLICANT: &str = "STEPPE AGRO MACHINERY LLP";
pub const BENEFICIARY: &str = "TIANSHAN HEAVY INDUSTRY CO.";
pub const CUSTOMS_KHORGOS: &str = "KZ CUSTOMS KHORGOS";
pub const CUSTOMS_AKTAU: &str = "KZ CUSTOMS AKTAU";
pub const CUSTOMS_ALMATY: &str = "KZ CUSTOMS ALMATY";
pub const CUSTOMS_HORGOS: &str = "CN CUSTOMS HORGOS";
pub const OPERATOR_KZ: &str = "SILKWAY JV OPERATOR KZ";
pub const OPERATOR_CN: &str = "SILKWAY JV OPERATOR CN";

/// Who takes part in the demo, before it has a key and a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartySpec {
    /// The certificate's organization (O), which is the party id on the ledger.
    pub org: String,
    /// The certificate's common name (CN).
    pub name: String,
    pub country: Country,
    pub role: ParticipantRole,
}

/// A demo party with its signing key.
#[derive(Clone, Debug)]
pub struct Party {
    pub participant: Participant,
    pub key: SigningKey,
}

/// What a step's outcome must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Applied,
    /// Rejected, with a reason containing this text.
    Rejected(&'static str),
}

/// One signed transaction of the story.
#[derive(Clone, Debug)]
pub struct ScenarioStep {
    pub label: String,
    pub tx: Vec<u8>,
    pub expect: Expect,
}

/// Why the scenario could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    #[error("parties: no party with organization '{org}'")]
    MissingParty { org: String },
    #[error("fixture {fixture}: {problem}")]
    Fixture {
        fixture: &'static str,
        problem: String,
    },
    #[error(transparent)]
    Tx(#[from] TxError),
}

/// The parties of PRODUCT.md §7, in a fixed order.
pub fn party_specs() -> Vec<PartySpec> {
    use ParticipantRole::*;
    let spec = |org: &str, name: &str, country, role| PartySpec {
        org: org.into(),
        name: name.into(),
        country,
        role,
    };
    vec![
        spec(ISSUING_BANK, "Steppe Commercial Bank", Country::KZ, Bank),
        spec(ADVISING_BANK, "Tianshan Commercial Bank", Country::CN, Bank),
        spec(THIRD_BANK, "Caspian Finance Bank", Country::KZ, Bank),
        spec(
            APPLICANT,
            "Steppe Agro Machinery LLP",
            Country::KZ,
            Exporter,
        ),
        spec(
            BENEFICIARY,
            "Tianshan Heavy Industry Co.",
            Country::CN,
            Exporter,
        ),
        spec(
            CUSTOMS_KHORGOS,
            "Khorgos customs post",
            Country::KZ,
            Customs,
        ),
        spec(CUSTOMS_AKTAU, "Aktau customs post", Country::KZ, Customs),
        spec(CUSTOMS_ALMATY, "Almaty customs post", Country::KZ, Customs),
        spec(CUSTOMS_HORGOS, "Horgos customs post", Country::CN, Customs),
        spec(
            OPERATOR_KZ,
            "SilkwayChain operator KZ",
            Country::KZ,
            Operator,
        ),
        spec(
            OPERATOR_CN,
            "SilkwayChain operator CN",
            Country::CN,
            Operator,
        ),
    ]
}

/// The parties of [`party_specs`] with the given keys (one per spec, in order), certified
/// until 2100; for tests and in-process runs that issue no certificates.
pub fn demo_parties(keys: &[SigningKey]) -> Vec<Party> {
    party_specs()
        .into_iter()
        .zip(keys)
        .enumerate()
        .map(|(i, (spec, key))| Party {
            participant: Participant {
                org: spec.org,
                name: spec.name,
                country: spec.country,
                role: spec.role,
                public_key: key.verifying_key().to_bytes(),
                serial_hex: format!("{:02x}", i + 1),
                not_after_unix_s: 4_102_444_800,
            },
            key: key.clone(),
        })
        .collect()
}

/// The story as signed transactions; see the module documentation.
pub fn scenario(
    parties: &[Party],
    today: Date,
    start_ms: u64,
) -> Result<Vec<ScenarioStep>, ScenarioError> {
    let docs = Docs::load(today)?;
    let mut story = Story {
        parties,
        valid_until_ms: start_ms.saturating_add(TX_VALIDITY_MAX_MS),
        steps: Vec::new(),
    };
    let lc = story.credit(&docs)?;
    story.presentation(&docs, lc)?;
    story.financing(&docs)?;
    story.clearance(&docs)?;
    Ok(story.steps)
}

/// The credit number the story's documents carry.
pub const STORY_LC_REFERENCE: &str = "SCB/LC/26/0417";

/// The story's letter of credit and presented documents, for running the story again by hand
/// (in a browser, or with curl against the gateway): the credit as an MT700, the invoice as
/// CII XML and the other documents as JSON, with `lc_reference` in place of the seeded credit's
/// number and dates shifted so that a presentation today is one day late for shipment, as in
/// the seeded story. Returns `(file name, contents)` pairs.
pub fn story_documents(
    today: Date,
    lc_reference: &str,
) -> Result<Vec<(&'static str, String)>, ScenarioError> {
    let Docs {
        lc, presentation, ..
    } = Docs::load_for(today, lc_reference)?;
    let mut files = vec![("lc.mt700.txt", trade_docs::swift::export_mt700(&lc))];
    for doc in &presentation.documents {
        let file = match doc {
            Document::Invoice(invoice) => ("invoice.cii.xml", trade_docs::cii::export(invoice)),
            Document::PackingList(_) => ("packing-list.json", trade_docs::json::export(doc)),
            Document::TransportDocument(_) => ("smgs-waybill.json", trade_docs::json::export(doc)),
            Document::CertificateOfOrigin(_) => {
                ("certificate-of-origin.json", trade_docs::json::export(doc))
            }
            _ => continue,
        };
        files.push(file);
    }
    Ok(files)
}

/// An anchor transaction of about 300 bytes whose fingerprint derives from `(key, nonce)`, for
/// the load generator.
pub fn bench_tx(key: &SigningKey, nonce: u64, valid_until_ms: u64) -> Vec<u8> {
    let public = key.verifying_key().to_bytes();
    let fingerprint = Digest::of(&[b"silkway/bench/v1", &public, &nonce.to_be_bytes()]).0;
    let body = TxBody::AnchorDocument {
        fingerprint,
        kind: "invoice".into(),
        jurisdiction: Country::KZ,
        title: format!("Benchmark invoice {nonce:020}, corridor load test"),
    };
    // Invariant: this body holds only text, bytes and a country code, which always encode.
    SignedTx::sign(key, nonce, valid_until_ms, body)
        .and_then(|tx| tx.encode())
        .expect("a bench anchor always encodes")
}

/// The scenario's documents, dates shifted so that the presentation falls on `today`.
struct Docs {
    lc: LetterOfCredit,
    presentation: Presentation,
    cn_export: CustomsDeclaration,
    kz_import: CustomsDeclaration,
    aktau_import: CustomsDeclaration,
}

impl Docs {
    fn load(today: Date) -> Result<Docs, ScenarioError> {
        Docs::load_for(today, STORY_LC_REFERENCE)
    }

    /// The documents with `lc_reference` in place of the story's credit number.
    fn load_for(today: Date, lc_reference: &str) -> Result<Docs, ScenarioError> {
        let swap = |text: &str| text.replace(STORY_LC_REFERENCE, lc_reference);
        let presented_on = fixture_date(
            "presentation_khorgos.json",
            demo::PRESENTATION_KHORGOS_JSON,
            "presented_on",
        )?;
        let days = presented_on.days_until(today);
        Ok(Docs {
            lc: match load(
                "lc_khorgos.json",
                &swap(demo::LC_KHORGOS_JSON),
                days,
                |_| {},
            )? {
                Document::LetterOfCredit(lc) => lc,
                _ => return Err(wrong_kind("lc_khorgos.json")),
            },
            presentation: match load(
                "presentation_khorgos.json",
                &swap(demo::PRESENTATION_KHORGOS_JSON),
                days,
                |_| {},
            )? {
                Document::Presentation(p) => p,
                _ => return Err(wrong_kind("presentation_khorgos.json")),
            },
            cn_export: declaration(&swap(demo::DECLARATION_CN_EXPORT_HORGOS_JSON), days, |_| {})?,
            kz_import: declaration(
                &swap(demo::DECLARATION_KZ_IMPORT_KHORGOS_JSON),
                days,
                |_| {},
            )?,
            aktau_import: declaration(&swap(demo::DECLARATION_KZ_IMPORT_AKTAU_JSON), days, |_| {})?,
        })
    }

    fn invoice(&self) -> Result<&Invoice, ScenarioError> {
        self.presentation
            .documents
            .iter()
            .find_map(|doc| match doc {
                Document::Invoice(invoice) => Some(invoice),
                _ => None,
            })
            .ok_or_else(|| ScenarioError::Fixture {
                fixture: "presentation_khorgos.json",
                problem: "presents no invoice".into(),
            })
    }
}

/// The steps built so far, and who signs them.
struct Story<'a> {
    parties: &'a [Party],
    valid_until_ms: u64,
    steps: Vec<ScenarioStep>,
}

impl Story<'_> {
    /// Signs `body` as `org` and appends it; returns its hash (an opened instrument's id).
    fn push(
        &mut self,
        org: &str,
        label: &str,
        body: TxBody,
        expect: Expect,
    ) -> Result<Digest, ScenarioError> {
        let party = self
            .parties
            .iter()
            .find(|p| p.participant.org == org)
            .ok_or_else(|| ScenarioError::MissingParty { org: org.into() })?;
        let nonce = self.steps.len() as u64;
        let tx = SignedTx::sign(&party.key, nonce, self.valid_until_ms, body)?.encode()?;
        let hash = transaction_hash(&tx);
        self.steps.push(ScenarioStep {
            label: label.into(),
            tx,
            expect,
        });
        Ok(hash)
    }

    fn anchor(
        &mut self,
        org: &str,
        doc: &Document,
        country: Country,
    ) -> Result<Fingerprint, ScenarioError> {
        let fingerprint = Fingerprint::of_document(doc).map_err(encoding("document"))?;
        let body = TxBody::AnchorDocument {
            fingerprint: fingerprint.0,
            kind: doc.kind().as_str().into(),
            jurisdiction: country,
            title: doc.title(),
        };
        self.push(
            org,
            &format!("anchor the {}", doc.kind()),
            body,
            Expect::Applied,
        )?;
        Ok(fingerprint)
    }

    fn act(
        &mut self,
        org: &str,
        label: &str,
        instrument: Digest,
        role: Role,
        action: InstrumentAction,
        expect: Expect,
    ) -> Result<Digest, ScenarioError> {
        let body = TxBody::Act {
            instrument,
            role,
            action,
        };
        self.push(org, label, body, expect)
    }

    /// Anchors, issues and advises the credit; returns its id.
    fn credit(&mut self, docs: &Docs) -> Result<Digest, ScenarioError> {
        let document = Document::LetterOfCredit(docs.lc.clone());
        self.anchor(ISSUING_BANK, &document, Country::KZ)?;
        let issue = LcAction::IssueLc {
            terms: LcTerms::of_credit(&docs.lc).map_err(encoding("credit"))?,
            parties: LcParties {
                issuing_bank: ISSUING_BANK.into(),
                advising_bank: ADVISING_BANK.into(),
                applicant: APPLICANT.into(),
                beneficiary: BENEFICIARY.into(),
                confirming_bank: None,
                nominated_bank: None,
            },
        };
        let body = TxBody::Open {
            role: Role::IssuingBank,
            action: InstrumentAction::Lc(issue),
        };
        let lc = self.push(ISSUING_BANK, "issue the credit", body, Expect::Applied)?;
        let advise = InstrumentAction::Lc(LcAction::Advise);
        self.act(
            ADVISING_BANK,
            "advise the credit",
            lc,
            Role::AdvisingBank,
            advise,
            Expect::Applied,
        )?;
        Ok(lc)
    }

    /// Anchors and presents the documents, records the examination, and runs the waiver,
    /// honour and settlement.
    fn presentation(&mut self, docs: &Docs, lc: Digest) -> Result<(), ScenarioError> {
        let mut documents = Vec::new();
        for doc in &docs.presentation.documents {
            let fingerprint = self.anchor(BENEFICIARY, doc, Country::CN)?;
            let grant = TxBody::GrantAccess {
                fingerprint: fingerprint.0,
                grantee: ISSUING_BANK.into(),
            };
            let label = format!("grant the issuing bank access to the {}", doc.kind());
            self.push(BENEFICIARY, &label, grant, Expect::Applied)?;
            documents.push(fingerprint);
        }
        let invoice = docs.invoice()?;
        let present = PresentationAction::PresentDocuments(PresentationSubmission {
            documents,
            currency: invoice.currency,
            amount: invoice.total,
        });
        let p = InstrumentAction::Presentation;
        use Role::{Applicant, Beneficiary, IssuingBank};
        self.act(
            BENEFICIARY,
            "present the documents",
            lc,
            Beneficiary,
            p(present),
            Expect::Applied,
        )?;
        let exam = PresentationAction::RecordExamination(examination(docs)?);
        let label = "record the examination: shipment one day late";
        self.act(
            ISSUING_BANK,
            label,
            lc,
            IssuingBank,
            p(exam),
            Expect::Applied,
        )?;
        let steps = [
            (
                ISSUING_BANK,
                "seek the applicant's waiver",
                IssuingBank,
                PresentationAction::SeekWaiver,
            ),
            (
                APPLICANT,
                "the applicant waives the discrepancy",
                Applicant,
                PresentationAction::Waive,
            ),
            (
                ISSUING_BANK,
                "honour the presentation",
                IssuingBank,
                PresentationAction::Honour,
            ),
        ];
        for (org, label, role, action) in steps {
            self.act(org, label, lc, role, p(action), Expect::Applied)?;
        }
        let settle = InstrumentAction::Lc(LcAction::Settle);
        self.act(
            ISSUING_BANK,
            "settle the credit",
            lc,
            IssuingBank,
            settle,
            Expect::Applied,
        )?;
        Ok(())
    }

    /// Registers and finances the invoice, registers it again re-typed, and has a third bank
    /// try to finance that registration.
    fn financing(&mut self, docs: &Docs) -> Result<(), ScenarioError> {
        let invoice = docs.invoice()?;
        let first = self.register_invoice(invoice, "register the invoice")?;
        let finance = || {
            InstrumentAction::Invoice(InvoiceAction::Finance {
                // A valid amount: two decimals for USD.
                amount: "200000.00".parse().unwrap_or(invoice.total),
            })
        };
        let label = "finance the invoice";
        self.act(
            ADVISING_BANK,
            label,
            first,
            Role::Financier,
            finance(),
            Expect::Applied,
        )?;
        let mut retyped = invoice.clone();
        retyped.number = invoice.number.replace('-', " ").to_lowercase();
        let second =
            self.register_invoice(&retyped, "register the same invoice again, re-typed")?;
        let label = "a third bank tries to finance the invoice again";
        let refused = Expect::Rejected("already financed");
        self.act(
            THIRD_BANK,
            label,
            second,
            Role::Financier,
            finance(),
            refused,
        )?;
        Ok(())
    }

    fn register_invoice(
        &mut self,
        invoice: &Invoice,
        label: &str,
    ) -> Result<Digest, ScenarioError> {
        let register = InvoiceAction::RegisterInvoice {
            terms: InvoiceTerms::of_invoice(invoice),
            parties: InvoiceParties {
                seller: BENEFICIARY.into(),
                buyer: APPLICANT.into(),
            },
        };
        let body = TxBody::Open {
            role: Role::Seller,
            action: InstrumentAction::Invoice(register),
        };
        self.push(BENEFICIARY, label, body, Expect::Applied)
    }

    /// The two declarations of the Khorgos consignment go green and are released; the Aktau
    /// one goes red and is not released without an inspection.
    fn clearance(&mut self, docs: &Docs) -> Result<(), ScenarioError> {
        let green = RiskAssessment::from_lines(Channel::Green, Vec::new());
        let cn = (
            BENEFICIARY,
            CUSTOMS_HORGOS,
            Country::CN,
            "the Chinese export declaration",
        );
        let id = self.declare(&docs.cn_export, cn, green.clone())?;
        self.release(
            CUSTOMS_HORGOS,
            id,
            "release the goods at Horgos",
            Expect::Applied,
        )?;
        let kz = (
            APPLICANT,
            CUSTOMS_KHORGOS,
            Country::KZ,
            "the Kazakh import declaration",
        );
        let id = self.declare(&docs.kz_import, kz, green)?;
        self.release(
            CUSTOMS_KHORGOS,
            id,
            "release the goods at Khorgos",
            Expect::Applied,
        )?;
        let red = aktau_assessment();
        let aktau = (
            APPLICANT,
            CUSTOMS_AKTAU,
            Country::KZ,
            "the Aktau import declaration",
        );
        let id = self.declare(&docs.aktau_import, aktau, red)?;
        let label = "release the goods at Aktau without an inspection";
        self.release(
            CUSTOMS_AKTAU,
            id,
            label,
            Expect::Rejected("physical inspection"),
        )?;
        Ok(())
    }

    /// Anchors, submits and assesses a declaration; returns its id.
    fn declare(
        &mut self,
        declaration: &CustomsDeclaration,
        (declarant, customs, country, name): (&str, &str, Country, &str),
        assessment: RiskAssessment,
    ) -> Result<Digest, ScenarioError> {
        let document = Document::CustomsDeclaration(declaration.clone());
        self.anchor(declarant, &document, country)?;
        let submit = DeclarationAction::SubmitDeclaration {
            terms: DeclarationTerms::of_declaration(declaration)
                .map_err(encoding("declaration"))?,
            parties: DeclarationParties {
                declarant: declarant.into(),
                customs: customs.into(),
            },
        };
        let body = TxBody::Open {
            role: Role::Declarant,
            action: InstrumentAction::Declaration(submit),
        };
        let id = self.push(declarant, &format!("submit {name}"), body, Expect::Applied)?;
        let label = format!("assess {name}: {:?}", assessment.channel).to_lowercase();
        let assess = InstrumentAction::Declaration(DeclarationAction::AssessRisk(assessment));
        self.act(customs, &label, id, Role::Customs, assess, Expect::Applied)?;
        Ok(id)
    }

    fn release(
        &mut self,
        customs: &str,
        id: Digest,
        label: &str,
        expect: Expect,
    ) -> Result<Digest, ScenarioError> {
        let release = InstrumentAction::Declaration(DeclarationAction::Release);
        self.act(customs, label, id, Role::Customs, release, expect)
    }
}

/// The Aktau declaration's red assessment, as the gateway's sample rules
/// (`customs-gateway/rules/default.toml`) find it: under the reference band for HS 870840 from
/// China, 40 % under the credit amount and the invoice, and no export declaration from the
/// other side. Written out here because the ledger does not depend on the gateway; the
/// gateway's test `the_aktau_consignment_goes_red_on_its_price_its_credit_and_its_invoice`
/// evaluates the same declaration and expects these texts.
fn aktau_assessment() -> RiskAssessment {
    let hit = |rule_id: &str, weight, reason: &str, evidence: &str| RuleHit {
        rule_id: rule_id.into(),
        rule_version: 1,
        effect: HitEffect::Weight(weight),
        reason: reason.into(),
        evidence: evidence.into(),
    };
    RiskAssessment {
        hits: vec![
            hit(
                "VAL-BAND-LOW",
                50,
                "declared unit value below the reference band for HS 870840 from CN",
                "declared 8.64 USD/kg, band 11.00–25.00 USD/kg",
            ),
            hit(
                "VAL-LC-BELOW",
                40,
                "customs value below the credit amount",
                "declared 148000.00 USD, credit SCB/LC/26/0417 248500.00 USD (40.4 % below, tolerance 10 %)",
            ),
            hit(
                "VAL-INVOICE",
                30,
                "customs value differs from the invoice",
                "declared 148000.00 USD, invoice TH-INV-2611 248500.00 USD (40.4 % apart, tolerance 2 %)",
            ),
            hit(
                "MIR-MISSING",
                15,
                "no export declaration from the other side for this import",
                "import declaration; no mirror declaration linked; lodged on arrival",
            ),
        ],
        ..RiskAssessment::from_lines(Channel::Red, Vec::new())
    }
}

/// The examining bank's result, from the UCP 600 examination of the presentation.
fn examination(docs: &Docs) -> Result<Examination, ScenarioError> {
    let report = trade_docs::ucp600::examine(&docs.lc, &docs.presentation);
    let bytes = to_canonical(&report).map_err(encoding("examination report"))?;
    Ok(Examination {
        compliant: report.is_compliant(),
        discrepancies: report.discrepancy_lines(),
        report: Some(Fingerprint::sha256(&bytes)),
    })
}

/// A fixture with every date shifted by `days`, edited, then imported (and so validated).
fn load(
    fixture: &'static str,
    text: &str,
    days: i64,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<Document, ScenarioError> {
    let problem = |problem: String| ScenarioError::Fixture { fixture, problem };
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| problem(e.to_string()))?;
    shift_dates(&mut value, days);
    edit(&mut value);
    trade_docs::json::import(&value.to_string()).map_err(|e| problem(e.to_string()))
}

fn declaration(
    text: &str,
    days: i64,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<CustomsDeclaration, ScenarioError> {
    match load("declaration", text, days, edit)? {
        Document::CustomsDeclaration(d) => Ok(d),
        _ => Err(wrong_kind("declaration")),
    }
}

/// Every string that is a `YYYY-MM-DD` date, moved by `days`.
fn shift_dates(value: &mut serde_json::Value, days: i64) {
    match value {
        serde_json::Value::String(text) => {
            let shifted = text
                .parse::<Date>()
                .ok()
                .and_then(|date| date.add_days(days));
            if let Some(date) = shifted {
                *text = date.to_string();
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| shift_dates(v, days)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| shift_dates(v, days)),
        _ => {}
    }
}

fn fixture_date(fixture: &'static str, text: &str, field: &str) -> Result<Date, ScenarioError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ScenarioError::Fixture {
            fixture,
            problem: e.to_string(),
        })?;
    value[field]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ScenarioError::Fixture {
            fixture,
            problem: format!("field '{field}' is not a date"),
        })
}

fn wrong_kind(fixture: &'static str) -> ScenarioError {
    ScenarioError::Fixture {
        fixture,
        problem: "is not the expected kind of document".into(),
    }
}

fn encoding(what: &'static str) -> impl Fn(CborError) -> ScenarioError {
    move |e| ScenarioError::Fixture {
        fixture: what,
        problem: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parties() -> Vec<Party> {
        let keys: Vec<SigningKey> = (0..party_specs().len())
            .map(|i| SigningKey::from_bytes(&[i as u8 + 40; 32]))
            .collect();
        demo_parties(&keys)
    }

    #[test]
    fn story_documents_carry_the_new_credit_and_examine_one_day_late() {
        let today: Date = "2026-11-23".parse().unwrap();
        let files = story_documents(today, "SCB/LC/26/0418").unwrap();
        let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "lc.mt700.txt",
                "invoice.cii.xml",
                "packing-list.json",
                "smgs-waybill.json",
                "certificate-of-origin.json"
            ]
        );
        let read = |text: &str| trade_docs::formats::read(text.as_bytes()).unwrap();
        let Document::LetterOfCredit(lc) = read(&files[0].1) else {
            panic!("not a credit")
        };
        assert_eq!(lc.reference, "SCB/LC/26/0418");
        assert!(files
            .iter()
            .all(|(_, text)| !text.contains(STORY_LC_REFERENCE)));
        let presentation = Presentation {
            lc_reference: lc.reference.clone(),
            presented_on: today,
            presenter: lc.beneficiary.clone(),
            documents: files[1..].iter().map(|(_, text)| read(text)).collect(),
        };
        let report = trade_docs::ucp600::examine(&lc, &presentation);
        let lines = report.discrepancy_lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].contains("14(c)") || lines[0].contains("shipment"),
            "{lines:?}"
        );
    }

    #[test]
    fn bench_transactions_are_about_300_bytes_and_distinct() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let a = bench_tx(&key, 1, 5_000);
        let b = bench_tx(&key, 2, 5_000);
        assert!((250..=350).contains(&a.len()), "{} bytes", a.len());
        assert_ne!(a, b);
        assert!(SignedTx::decode(&a).unwrap().verify());
    }

    #[test]
    fn every_party_spec_is_distinct_and_signs_in_the_scenario() {
        let specs = party_specs();
        let orgs: std::collections::BTreeSet<_> = specs.iter().map(|s| &s.org).collect();
        assert_eq!(orgs.len(), specs.len());
        let today = Date::from_ymd(2031, 1, 15).unwrap();
        let steps = scenario(&parties(), today, 1_000).unwrap();
        assert!(steps.len() > 25);
        for step in &steps {
            let tx = SignedTx::decode(&step.tx).unwrap();
            assert!(tx.verify(), "{}", step.label);
            assert_eq!(tx.valid_until_ms, 1_000 + TX_VALIDITY_MAX_MS);
        }
    }

    #[test]
    fn the_examination_finds_exactly_the_late_shipment_whatever_the_day() {
        for (y, m, d) in [(2026, 4, 28), (2027, 2, 28), (2030, 12, 31)] {
            let docs = Docs::load(Date::from_ymd(y, m, d).unwrap()).unwrap();
            assert_eq!(
                docs.presentation.presented_on,
                Date::from_ymd(y, m, d).unwrap()
            );
            let exam = examination(&docs).unwrap();
            assert!(!exam.compliant);
            assert_eq!(exam.discrepancies.len(), 1, "{:?}", exam.discrepancies);
            assert!(
                exam.discrepancies[0].contains("44C"),
                "{:?}",
                exam.discrepancies
            );
        }
    }

    #[test]
    fn a_missing_party_is_named() {
        let mut parties = parties();
        parties.retain(|p| p.participant.org != THIRD_BANK);
        let err = scenario(&parties, Date::from_ymd(2030, 1, 1).unwrap(), 0).unwrap_err();
        assert_eq!(
            err,
            ScenarioError::MissingParty {
                org: THIRD_BANK.into()
            }
        );
    }
}
