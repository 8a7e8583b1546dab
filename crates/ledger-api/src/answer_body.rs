//! A query's JSON answer written in pieces. `serde_json::to_vec` grows one vector by doubling,
//! so a 24 MB answer (every sponsorship of a province) held up to twice its size while it
//! grew, beside the rows it was rendered from; the server's peak while answering one passed
//! 300 MB (BENCHMARKS.md, tenth pass). Written into pieces of [`PIECE_BYTES`], it holds its
//! own size; an answer small enough for the answer pool is joined into one buffer.

use std::convert::Infallible;
use std::io::Write;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::answers::LARGEST_ANSWER_BYTES;

/// Bytes per piece of a large answer.
const PIECE_BYTES: usize = 256 << 10;

/// A rendered answer: whole when the answer pool may keep it, else in pieces.
pub enum AnswerBody {
    Whole(Bytes),
    Pieces(Vec<Bytes>),
}

impl AnswerBody {
    /// `value` as JSON.
    pub fn render(value: &impl Serialize) -> Result<AnswerBody, serde_json::Error> {
        let mut pieces = Pieces::default();
        serde_json::to_writer(&mut pieces, value)?;
        Ok(pieces.finish())
    }

    /// The answer as one buffer, if it was small enough to be rendered as one.
    pub fn whole(&self) -> Option<&Bytes> {
        match self {
            AnswerBody::Whole(bytes) => Some(bytes),
            AnswerBody::Pieces(_) => None,
        }
    }
}

impl IntoResponse for AnswerBody {
    fn into_response(self) -> Response {
        let json = [(header::CONTENT_TYPE, "application/json")];
        match self {
            AnswerBody::Whole(bytes) => (json, bytes).into_response(),
            AnswerBody::Pieces(pieces) => {
                let length = pieces.iter().map(Bytes::len).sum::<usize>();
                let stream = futures::stream::iter(pieces.into_iter().map(Ok::<_, Infallible>));
                (
                    json,
                    [(header::CONTENT_LENGTH, length.to_string())],
                    Body::from_stream(stream),
                )
                    .into_response()
            }
        }
    }
}

#[derive(Default)]
struct Pieces {
    done: Vec<Bytes>,
    current: Vec<u8>,
}

impl Pieces {
    fn finish(mut self) -> AnswerBody {
        let length = self.done.iter().map(Bytes::len).sum::<usize>() + self.current.len();
        if self.done.is_empty() {
            return AnswerBody::Whole(Bytes::from(self.current));
        }
        if length <= LARGEST_ANSWER_BYTES {
            let mut whole = Vec::with_capacity(length);
            for piece in &self.done {
                whole.extend_from_slice(piece);
            }
            whole.extend_from_slice(&self.current);
            return AnswerBody::Whole(Bytes::from(whole));
        }
        if !self.current.is_empty() {
            self.done.push(Bytes::from(self.current));
        }
        AnswerBody::Pieces(self.done)
    }
}

impl Write for Pieces {
    fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
        let written = buf.len();
        while !buf.is_empty() {
            // The first piece grows as a small answer would; once one is full, the answer is
            // large and the next pieces are made at their full size.
            if self.current.len() == PIECE_BYTES {
                let full = std::mem::replace(&mut self.current, Vec::with_capacity(PIECE_BYTES));
                self.done.push(Bytes::from(full));
            }
            let room = PIECE_BYTES - self.current.len();
            let (now, rest) = buf.split_at(room.min(buf.len()));
            self.current.extend_from_slice(now);
            buf = rest;
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_answer_is_pieces_that_join_to_the_json_and_a_small_one_is_whole() {
        let rows: Vec<String> = (0..60_000)
            .map(|i| format!("row {i} {}", "x".repeat(90)))
            .collect();
        let expected = serde_json::to_vec(&rows).unwrap();
        assert!(expected.len() > LARGEST_ANSWER_BYTES);
        let AnswerBody::Pieces(pieces) = AnswerBody::render(&rows).unwrap() else {
            panic!("an answer over the pool's limit is not kept whole");
        };
        assert!(pieces.iter().all(|p| p.len() <= PIECE_BYTES));
        assert!(pieces.len() > 1);
        assert_eq!(pieces.concat(), expected);

        let response = AnswerBody::Pieces(pieces).into_response();
        let length = response.headers()[header::CONTENT_LENGTH]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(length, expected.len().to_string());
        let sent =
            futures::executor::block_on(axum::body::to_bytes(response.into_body(), usize::MAX));
        assert_eq!(sent.unwrap().to_vec(), expected);

        let some = &rows[..20_000];
        let expected = serde_json::to_vec(some).unwrap();
        assert!(expected.len() > PIECE_BYTES && expected.len() <= LARGEST_ANSWER_BYTES);
        let body = AnswerBody::render(&some).unwrap();
        assert_eq!(body.whole().map(|b| b.to_vec()), Some(expected));
    }

    #[tokio::test]
    async fn a_streamed_answer_arrives_whole_over_http() {
        let rows: Vec<String> = (0..60_000)
            .map(|i| format!("row {i} {}", "x".repeat(90)))
            .collect();
        let expected = serde_json::to_vec(&rows).unwrap();
        let app = axum::Router::new().route(
            "/",
            axum::routing::get(move || {
                let rows = rows.clone();
                async move { AnswerBody::render(&rows).unwrap() }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let response = reqwest::get(format!("http://{address}/")).await.unwrap();
        assert_eq!(response.content_length(), Some(expected.len() as u64));
        assert_eq!(response.bytes().await.unwrap().to_vec(), expected);
    }
}
