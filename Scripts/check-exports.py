#!/usr/bin/env python3
"""Independent parsers for dccorpus exports: JSON Lines with json, TMX with xml.etree, the
glossary with csv. Checks structure and that counts round-trip against the records.
Usage: check-exports.py JSONL TMX CSV    (prints a JSON summary; exit 1 on any failure)"""
import csv, json, sys
import xml.etree.ElementTree as ET

jsonl, tmx, glossary = sys.argv[1:4]
failures = []
records = [json.loads(line) for line in open(jsonl, encoding="utf-8")]
if [r["id"] for r in records] != sorted(r["id"] for r in records):
    failures.append("jsonl: records are not in id order")
expected_units = 0
for r in records:
    expected_units += bool(r["title"]["en"] and r["title"]["zh"]) + bool(r["synopsis"]["en"] and r["synopsis"]["zh"])
    expected_units += len(r["terms"]) + sum(1 for t in r["transcript"] if t["en"] and t["zh"])
root = ET.parse(tmx).getroot()
if root.tag != "tmx" or root.get("version") != "1.4":
    failures.append("tmx: root is not <tmx version=1.4>")
header = root.find("header")
if header is None or header.get("srclang") != "en":
    failures.append("tmx: header srclang is not en")
units = root.findall("./body/tu")
if len(units) != expected_units:
    failures.append(f"tmx: {len(units)} <tu> but the records hold {expected_units} aligned pairs")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
for tu in units:
    langs = [tuv.get(XML_LANG) for tuv in tu.findall("tuv")]
    if langs != ["en", "zh-CN"] or any(tuv.find("seg") is None for tuv in tu.findall("tuv")):
        failures.append(f"tmx: a <tu> has tuvs {langs}")
        break
    if tu.find("prop[@type='x-record']") is None:
        failures.append("tmx: a <tu> has no x-record prop")
        break
rows = list(csv.DictReader(open(glossary, encoding="utf-8", newline="")))
terms = {(t["en"].lower(), t["zh"]) for r in records for t in r["terms"]}
if len(rows) != len(terms):
    failures.append(f"csv: {len(rows)} rows but {len(terms)} distinct terms")
if rows and list(rows[0].keys()) != ["term_en", "term_zh", "definition", "lessons", "documents"]:
    failures.append(f"csv: columns {list(rows[0].keys())}")
print(json.dumps({"records": len(records), "tmx_units": len(units), "glossary_rows": len(rows), "failures": failures}))
sys.exit(1 if failures else 0)
