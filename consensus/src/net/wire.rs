//! Frames on QUIC streams: a 4-byte big-endian length, then one CBOR value (ciborium).
//!
//! Every stream of the transport and of the client protocol carries a sequence of such frames.
//! A frame longer than the reader's bound is refused before anything is allocated for it, so a
//! peer cannot make a node reserve memory it chose. What this module does not do: decide what a
//! frame means, or authenticate anything (the TLS handshake did that).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a frame could not be read or decoded.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("frame of {len} bytes is over the limit of {max} bytes")]
    TooLarge { len: usize, max: usize },
    #[error("stream ended: {0}")]
    Read(String),
    #[error("stream write failed: {0}")]
    Write(String),
    #[error("frame does not decode: {0}")]
    Decode(String),
}

/// Encodes `value` as one frame (length prefix included).
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut frame = vec![0u8; 4];
    // Writing CBOR into a Vec cannot fail for our derived types: ciborium only fails on IO
    // errors of the writer (a Vec never fails) or on serializers that return custom errors,
    // which ours never do.
    ciborium::into_writer(value, &mut frame).expect("CBOR into a Vec cannot fail");
    let len = (frame.len() - 4) as u32;
    frame[..4].copy_from_slice(&len.to_be_bytes());
    frame
}

/// Decodes the body of a frame (without its length prefix).
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, WireError> {
    ciborium::from_reader(body).map_err(|e| WireError::Decode(e.to_string()))
}

/// Reads one frame body from `stream`; `Ok(None)` at a clean end of stream.
pub async fn read_frame(
    stream: &mut quinn::RecvStream,
    frame_bytes_max: usize,
) -> Result<Option<Vec<u8>>, WireError> {
    let mut len = [0u8; 4];
    match stream.read_exact(&mut len).await {
        Ok(()) => {}
        Err(quinn::ReadExactError::FinishedEarly(0)) => return Ok(None),
        Err(e) => return Err(WireError::Read(e.to_string())),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > frame_bytes_max {
        return Err(WireError::TooLarge {
            len,
            max: frame_bytes_max,
        });
    }
    let mut body = vec![0u8; len];
    stream
        .read_exact(&mut body)
        .await
        .map_err(|e| WireError::Read(e.to_string()))?;
    Ok(Some(body))
}

/// Writes one already encoded frame.
pub async fn write_frame(stream: &mut quinn::SendStream, frame: &[u8]) -> Result<(), WireError> {
    stream
        .write_all(frame)
        .await
        .map_err(|e| WireError::Write(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Block, Message, Proposal, Sig};

    #[test]
    fn a_proposal_survives_a_frame_and_its_transactions_are_byte_strings() {
        let mut block = Block::genesis();
        block.transactions = vec![vec![0xAB; 300]; 10];
        let message = Message::Proposal(Proposal {
            block,
            tc: None,
            signature: Sig([7; 64]),
        });
        let frame = encode(&message);
        let len = u32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(len, frame.len() - 4);
        // As byte strings, ten 300-byte transactions take a little over 3000 bytes; as lists
        // of integers they would take over 6000.
        assert!(len < 3600, "frame body is {len} bytes");
        let back: Message = decode(&frame[4..]).unwrap();
        assert_eq!(back, message);
    }

    #[test]
    fn garbage_is_a_decode_error() {
        assert!(matches!(
            decode::<Message>(&[0xff, 0x00]),
            Err(WireError::Decode(_))
        ));
    }
}
