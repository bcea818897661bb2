//! JSON objects whose keys are written in the order given, so events come out byte for byte
//! in the vendors' key order (`serde_json::Value` sorts keys; turning on its `preserve_order`
//! feature here would change it for every crate built alongside).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

pub(crate) enum J {
    Null,
    Obj(Vec<(&'static str, J)>),
    Arr(Vec<J>),
    Val(Value),
}

impl Serialize for J {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            J::Null => s.serialize_unit(),
            J::Obj(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            J::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            J::Val(v) => v.serialize(s),
        }
    }
}

impl std::fmt::Display for J {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&serde_json::to_string(self).map_err(|_| std::fmt::Error)?)
    }
}

/// What can go in an [`obj!`].
pub(crate) trait ToJ {
    fn to_j(self) -> J;
}

impl ToJ for J {
    fn to_j(self) -> J {
        self
    }
}

impl ToJ for Vec<J> {
    fn to_j(self) -> J {
        J::Arr(self)
    }
}

impl<T: ToJ> ToJ for Option<T> {
    fn to_j(self) -> J {
        self.map_or(J::Null, ToJ::to_j)
    }
}

macro_rules! to_j_via_value {
    ($($t:ty),*) => {$(
        impl ToJ for $t {
            fn to_j(self) -> J {
                J::Val(Value::from(self))
            }
        }
    )*};
}

to_j_via_value!(&str, String, u64, usize, f64, bool, Value);

impl ToJ for &String {
    fn to_j(self) -> J {
        J::Val(Value::from(self.as_str()))
    }
}

impl ToJ for &Value {
    fn to_j(self) -> J {
        J::Val(self.clone())
    }
}

/// `obj!{"a": 1u64, "b": obj!{…}, "c": J::Null}`: an object with keys in this order.
macro_rules! obj {
    ($($k:literal : $v:expr),* $(,)?) => {
        $crate::ordered::J::Obj(vec![$(($k, $crate::ordered::ToJ::to_j($v))),*])
    };
}

pub(crate) use obj;
