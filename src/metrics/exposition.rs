//! A small reader of Prometheus' text exposition format (0.0.4), strict enough to
//! catch a malformed line: what the tests check `/metrics` with, since `promtool` is
//! not always at hand.

use std::collections::BTreeMap;

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// A page read line by line: each family's type, and every sample.
#[derive(Debug, Default)]
pub struct Exposition {
    /// Family name (as on its `# TYPE` line) → type.
    pub types: BTreeMap<String, String>,
    pub samples: Vec<Sample>,
}

impl Exposition {
    /// The value of the sample `name` whose labels include every pair of `labels`,
    /// summed over the samples that match (0 when none does).
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|s| s.value)
            .sum()
    }

    /// Every name a query may use: each family and each sample name
    /// (`x_bucket`, `x_sum`, `x_count` of a histogram).
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        self.types
            .keys()
            .cloned()
            .chain(self.samples.iter().map(|s| s.name.clone()))
            .collect()
    }
}

/// Reads `text`, or says which line is wrong and why.
pub fn parse(text: &str) -> Result<Exposition, String> {
    let mut page = Exposition::default();
    let mut helped = std::collections::BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let fail = |why: &str| Err(format!("line {}: {why}: {line:?}", i + 1));
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap_or_default();
            if !is_metric_name(name) {
                return fail("bad metric name in HELP");
            }
            if !helped.insert(name.to_string()) {
                return fail("second HELP for one family");
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let (Some(name), Some(kind), None) = (parts.next(), parts.next(), parts.next()) else {
                return fail("TYPE needs a name and a type");
            };
            if !is_metric_name(name) {
                return fail("bad metric name in TYPE");
            }
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return fail("unknown type");
            }
            if page.samples.iter().any(|s| family_of(&s.name, name)) {
                return fail("TYPE after the family's samples");
            }
            if page
                .types
                .insert(name.to_string(), kind.to_string())
                .is_some()
            {
                return fail("second TYPE for one family");
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let sample = match sample(line) {
            Ok(sample) => sample,
            Err(why) => return fail(&why),
        };
        let declared = page.types.iter().find(|(family, kind)| {
            sample.name == **family
                || (kind.as_str() == "histogram"
                    && ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|suffix| sample.name == format!("{family}{suffix}")))
        });
        match declared {
            None => return fail("sample of a family with no TYPE line"),
            Some((_, kind))
                if kind == "histogram"
                    && sample.name.ends_with("_bucket")
                    && !sample.labels.contains_key("le") =>
            {
                return fail("histogram bucket without le");
            }
            Some((_, kind)) if kind == "counter" && sample.value < 0.0 => {
                return fail("negative counter");
            }
            _ => {}
        }
        page.samples.push(sample);
    }
    Ok(page)
}

fn family_of(sample: &str, family: &str) -> bool {
    sample == family
        || ["_bucket", "_sum", "_count"]
            .iter()
            .any(|suffix| sample == format!("{family}{suffix}"))
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `name{label="value",...} value [timestamp]`.
fn sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| "a sample needs a value".to_string())?;
    let name = &line[..name_end];
    if !is_metric_name(name) {
        return Err("bad metric name".into());
    }
    let mut rest = &line[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(inner) = rest.strip_prefix('{') {
        rest = inner;
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = rest.find('=').ok_or("a label needs =")?;
            let key = &rest[..eq];
            if !is_label_name(key) {
                return Err(format!("bad label name {key:?}"));
            }
            rest = rest[eq + 1..]
                .strip_prefix('"')
                .ok_or("a label value is quoted")?;
            let mut value = String::new();
            let mut chars = rest.char_indices();
            let end = loop {
                match chars.next() {
                    None => return Err("unterminated label value".into()),
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        _ => return Err("bad escape in a label value".into()),
                    },
                    Some((_, c)) => value.push(c),
                }
            };
            rest = &rest[end + 1..];
            if labels.insert(key.to_string(), value).is_some() {
                return Err(format!("label {key} twice"));
            }
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
    }
    let mut fields = rest
        .strip_prefix(' ')
        .ok_or("one space before the value")?
        .split(' ');
    let value = fields.next().ok_or("no value")?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().map_err(|_| format!("bad value {v:?}"))?,
    };
    if let Some(timestamp) = fields.next() {
        timestamp
            .parse::<i64>()
            .map_err(|_| format!("bad timestamp {timestamp:?}"))?;
    }
    if fields.next().is_some() {
        return Err("text after the timestamp".into());
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_good_lines_and_names_bad_ones() {
        let good =
            "# HELP a_total Things.\n# TYPE a_total counter\na_total{x=\"1\",y=\"q\\\"\"} 3\n\
                    # TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n";
        let page = parse(good).unwrap();
        assert_eq!(page.sum("a_total", &[("x", "1")]), 3.0);
        assert_eq!(page.samples[0].labels["y"], "q\"");
        assert_eq!(page.sum("h_count", &[]), 2.0);
        let bad = [
            "a_total 1\n",                            // no TYPE
            "# TYPE a counter\na{x=1} 1\n",           // unquoted
            "# TYPE a gauge\na{x=\"1\"}  1\n",        // two spaces
            "# TYPE a gauge\na 1 2 3\n",              // extra field
            "# TYPE a gauge\na one\n",                // not a number
            "# TYPE a nonsense\n",                    // type
            "# TYPE h histogram\nh_bucket 1\n",       // no le
            "# TYPE a gauge\n# TYPE a gauge\n",       // twice
            "# TYPE 1a gauge\n",                      // name
            "# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n", // label twice
        ];
        for text in bad {
            assert!(parse(text).is_err(), "{text:?} passed");
        }
    }
}
