"""Reads a STIX bundle and a MISP event with the real Python peers; prints a JSON summary.

Usage: check.py BUNDLE.json EVENT.json
"""
import json
import sys

import stix2
import stix2validator
from pymisp import MISPEvent

bundle_text = open(sys.argv[1], encoding="utf-8").read()
event_text = open(sys.argv[2], encoding="utf-8").read()

bundle = stix2.parse(bundle_text, allow_custom=False)
results = stix2validator.validate_string(bundle_text, stix2validator.ValidationOptions())
# validate_string returns one ObjectValidationResults (the bundle) in stix2-validator 3.x.
objects = getattr(results, "object_results", None) or [results]
errors, warnings = [], []
for obj in objects:
    errors += [str(e) for e in (obj.errors or [])]
    warnings += [str(w) for w in (obj.warnings or [])]

event = MISPEvent()
event.load(event_text)

print(json.dumps({
    "stix_types": sorted({o.type for o in bundle.objects}),
    "stix_objects": len(bundle.objects),
    "valid": results.is_valid,
    "errors": errors,
    "warnings": warnings,
    "misp_info": event.info,
    "misp_tags": [t.name for t in event.tags],
    "misp_attributes": [[a.type, a.category, a.value] for a in event.attributes],
    "misp_threat_level": int(event.threat_level_id),
    "misp_uuid": event.uuid,
}))
