//! Point encoding shared by the metric accumulators: one metric point = measurement, tags
//! sorted by key (empty values omitted), one float field, time; a drained batch = one
//! serialized `PBPoints`.

use prost::Message;

use crate::wire::proto::point::{field::Val, Field, PbPoint, PbPoints};

/// Points collected for one drain, serialized by [`Body::finish`].
#[derive(Debug, Default)]
pub(crate) struct Body {
    points: Vec<PbPoint>,
}

impl Body {
    /// Appends one point: `tags` (sorted by key; a tag with an empty value is left out) and
    /// the float field `field = value`.
    pub(crate) fn push<'a>(
        &mut self,
        measurement: &str,
        tags: impl IntoIterator<Item = (&'a str, &'a str)>,
        field: &str,
        value: f64,
        time_ns: i64,
    ) {
        let mut fields: Vec<Field> = tags
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| Field {
                key: key.to_owned(),
                val: Some(Val::S(value.to_owned())),
                is_tag: true,
                ..Field::default()
            })
            .collect();
        fields.sort_by(|a, b| a.key.cmp(&b.key));
        fields.push(Field {
            key: field.to_owned(),
            val: Some(Val::F(value)),
            ..Field::default()
        });
        self.points.push(PbPoint {
            name: measurement.to_owned(),
            fields,
            time: time_ns,
            ..PbPoint::default()
        });
    }

    /// The serialized `PBPoints` and its point count; `None` if no point was pushed.
    pub(crate) fn finish(self) -> Option<(Vec<u8>, u64)> {
        if self.points.is_empty() {
            return None;
        }
        let count = u64::try_from(self.points.len()).unwrap_or(u64::MAX);
        Some((PbPoints { arr: self.points }.encode_to_vec(), count))
    }
}
