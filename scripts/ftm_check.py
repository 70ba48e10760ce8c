"""Checks a FollowTheMoney export strictly with the `followthemoney` package.

Every line must be an entity of a known schema whose every property exists
in that schema and whose every value the property's type accepts unchanged
in meaning; every entity reference must point to an entity of the file whose
schema fits the property's range. The file is also passed through the
package's own `ftm validate` round trip. Prints counts per schema; exits 1
on the first problem, naming the line.
"""

import collections
import json
import subprocess
import sys

from followthemoney import model
from followthemoney.types import registry


def fail(lineno, message):
    print(f"line {lineno}: {message}", file=sys.stderr)
    sys.exit(1)


def main(path):
    entities = {}
    counts = collections.Counter()
    with open(path, encoding="utf-8") as fh:
        lines = [line for line in fh if line.strip()]
    if not lines:
        fail(0, "the export is empty")
    for lineno, line in enumerate(lines, 1):
        data = json.loads(line)
        schema = model.get(data.get("schema"))
        if schema is None:
            fail(lineno, f"unknown schema {data.get('schema')!r}")
        if schema.abstract:
            fail(lineno, f"abstract schema {schema.name}")
        if not data.get("id"):
            fail(lineno, "no id")
        if data["id"] in entities:
            fail(lineno, f"duplicate id {data['id']}")
        for name, values in data.get("properties", {}).items():
            prop = schema.get(name)
            if prop is None:
                fail(lineno, f"{schema.name} has no property {name!r}")
            for value in values:
                if prop.type == registry.entity:
                    continue
                cleaned = prop.type.clean(value)
                if cleaned is None:
                    fail(lineno, f"{schema.name}.{name}: {value!r} is not a valid {prop.type.name}")
        proxy = model.get_proxy(data, cleaned=False)
        if proxy.caption in (None, "", schema.label) and schema.is_a("LegalEntity"):
            fail(lineno, f"{schema.name} {data['id']} has no name")
        entities[data["id"]] = (lineno, schema, data)
        counts[schema.name] += 1
    for eid, (lineno, schema, data) in entities.items():
        for name, values in data.get("properties", {}).items():
            prop = schema.get(name)
            if prop.type != registry.entity:
                continue
            for ref in values:
                if ref not in entities:
                    fail(lineno, f"{schema.name}.{name} points to {ref}, absent from the file")
                target = entities[ref][1]
                if not target.is_a(prop.range):
                    fail(lineno, f"{schema.name}.{name} points to a {target.name}, not a {prop.range.name}")
        if schema.edge and not all(data["properties"].get(p) for p in (schema.edge_source, schema.edge_target)):
            fail(lineno, f"{schema.name} {eid} lacks one of its ends")
    # The package's own round trip must read every line back.
    ftm = sys.argv[2] if len(sys.argv) > 2 else "ftm"
    out = subprocess.run([ftm, "validate", "-i", path], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        fail(0, f"ftm validate failed: {out.stderr.strip()}")
    back = [line for line in out.stdout.splitlines() if line.strip()]
    if len(back) != len(lines):
        fail(0, f"ftm validate returned {len(back)} of {len(lines)} entities")
    print(" ".join(f"{k}={v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main(sys.argv[1])
