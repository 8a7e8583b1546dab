//! Pages of list answers (`offset`, `limit`). A page is cut while the answer is serialized:
//! only its rows are written out, as the whole list writes them, so a page of a 48,000-row
//! list costs the walk over the rows, not the writing of all of them.

use serde::ser::{self, Impossible, Serialize, Serializer};
use serde::{Deserialize, Serialize as DeriveSerialize};
use serde_json::value::{to_raw_value, RawValue};
use utoipa::{IntoParams, ToSchema};

use crate::limits::LIST_PAGE_ROWS_MAX;
use crate::problem::ApiError;

/// A page of a list answer. Pages line up only within one state of the ledger: pin the
/// later ones to the first page's `position` (`at_position`, inspectors) or to a `known_at`,
/// or the list may have moved under them.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// List answers only: rows to skip (default 0).
    pub offset: Option<u64>,
    /// List answers only: most rows to return, 1 to 10000 (default: every row).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<u32>,
}

/// Where a page lies in its list.
#[derive(DeriveSerialize, ToSchema, Debug, PartialEq, Eq)]
pub struct PageInfo {
    pub offset: u64,
    pub limit: u32,
    /// Rows in the whole list.
    pub total: u64,
    /// `offset` of the next page; null after the last one.
    pub next_offset: Option<u64>,
}

/// A checked page request.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    offset: u64,
    limit: u32,
    /// The parameter to name if the answer turns out not to be a list.
    field: &'static str,
}

impl PageParams {
    /// `None` when the request asked for no page.
    pub fn check(self) -> Result<Option<Page>, ApiError> {
        if let Some(limit) = self.limit {
            if limit == 0 || limit > LIST_PAGE_ROWS_MAX {
                return Err(ApiError::bad_field(
                    "limit",
                    format!("limit must be 1 to {LIST_PAGE_ROWS_MAX}"),
                ));
            }
        }
        Ok(match (self.offset, self.limit) {
            (None, None) => None,
            (offset, limit) => Some(Page {
                offset: offset.unwrap_or(0),
                limit: limit.unwrap_or(LIST_PAGE_ROWS_MAX),
                field: if limit.is_some() { "limit" } else { "offset" },
            }),
        })
    }
}

impl Page {
    /// The page's rows of a list answer, and where they lie; an answer of one object cannot
    /// be paged.
    pub fn cut<T: Serialize + ?Sized>(
        self,
        answer: &T,
    ) -> Result<(Vec<Box<RawValue>>, PageInfo), ApiError> {
        let (rows, total) = answer
            .serialize(Cutter(self))
            .map_err(|error| match error {
                CutError::NotAList => ApiError::bad_field(
                    self.field,
                    "offset and limit apply to list answers; this query answers one object",
                ),
                CutError::Row(detail) => ApiError::Internal(detail),
            })?;
        let end = self.offset.saturating_add(u64::from(self.limit)).min(total);
        Ok((
            rows,
            PageInfo {
                offset: self.offset,
                limit: self.limit,
                total,
                next_offset: (end < total).then_some(end),
            },
        ))
    }
}

#[derive(Debug, thiserror::Error)]
enum CutError {
    #[error("not a list")]
    NotAList,
    #[error("{0}")]
    Row(String),
}

impl ser::Error for CutError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CutError::Row(msg.to_string())
    }
}

/// Serializes a list answer into the page's rows and the list's length; anything else is
/// [`CutError::NotAList`].
struct Cutter(Page);

struct Rows {
    page: Page,
    seen: u64,
    rows: Vec<Box<RawValue>>,
}

impl ser::SerializeSeq for Rows {
    type Ok = (Vec<Box<RawValue>>, u64);
    type Error = CutError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, row: &T) -> Result<(), CutError> {
        let index = self.seen;
        self.seen += 1;
        if index >= self.page.offset && (self.rows.len() as u64) < u64::from(self.page.limit) {
            let value = to_raw_value(row).map_err(|e| CutError::Row(e.to_string()))?;
            self.rows.push(value);
        }
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, CutError> {
        Ok((self.rows, self.seen))
    }
}

/// Every shape but a sequence is not a list.
macro_rules! not_a_list {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Self::Ok, CutError> {
            Err(CutError::NotAList)
        })*
    };
}

impl Serializer for Cutter {
    type Ok = (Vec<Box<RawValue>>, u64);
    type Error = CutError;
    type SerializeSeq = Rows;
    type SerializeTuple = Impossible<Self::Ok, CutError>;
    type SerializeTupleStruct = Impossible<Self::Ok, CutError>;
    type SerializeTupleVariant = Impossible<Self::Ok, CutError>;
    type SerializeMap = Impossible<Self::Ok, CutError>;
    type SerializeStruct = Impossible<Self::Ok, CutError>;
    type SerializeStructVariant = Impossible<Self::Ok, CutError>;

    fn serialize_seq(self, len: Option<usize>) -> Result<Rows, CutError> {
        let capacity = len.unwrap_or(0).min(self.0.limit as usize);
        Ok(Rows {
            page: self.0,
            seen: 0,
            rows: Vec::with_capacity(capacity),
        })
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, CutError> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Self::Ok, CutError> {
        value.serialize(self)
    }

    not_a_list!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Self::Ok, CutError> {
        Err(CutError::NotAList)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CutError> {
        Err(CutError::NotAList)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, CutError> {
        Err(CutError::NotAList)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CutError> {
        Err(CutError::NotAList)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CutError> {
        Err(CutError::NotAList)
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, CutError> {
        Err(CutError::NotAList)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CutError> {
        Err(CutError::NotAList)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Box<RawValue>]) -> Vec<&str> {
        rows.iter().map(|row| row.get()).collect()
    }

    fn page(offset: u64, limit: u32) -> Page {
        Page {
            offset,
            limit,
            field: "limit",
        }
    }

    #[test]
    fn a_page_keeps_its_rows_and_counts_the_whole_list() {
        let list: Vec<u32> = (0..10).collect();
        let (rows, info) = page(3, 4).cut(&list).unwrap();
        assert_eq!(texts(&rows), ["3", "4", "5", "6"]);
        assert_eq!(
            info,
            PageInfo {
                offset: 3,
                limit: 4,
                total: 10,
                next_offset: Some(7)
            }
        );
        let (rows, info) = page(8, 4).cut(&list).unwrap();
        assert_eq!(texts(&rows), ["8", "9"]);
        assert_eq!(info.next_offset, None);
        let (rows, info) = page(20, 4).cut(&list).unwrap();
        assert!(rows.is_empty());
        assert_eq!((info.total, info.next_offset), (10, None));
    }

    #[test]
    fn an_object_or_a_number_is_not_a_list() {
        let object = serde_json::json!({"rows": [1, 2]});
        assert!(matches!(
            page(0, 1).cut(&object),
            Err(ApiError::BadRequest { .. })
        ));
        assert!(matches!(
            page(0, 1).cut(&7u32),
            Err(ApiError::BadRequest { .. })
        ));
        let (rows, _) = page(1, 1).cut(&Some(vec!["a", "b"])).unwrap();
        assert_eq!(texts(&rows), ["\"b\""]);
    }
}
