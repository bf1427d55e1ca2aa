#!/usr/bin/env bash
# Example: from your own CSV to an audit report, in two commands.
#
#   bash examples/audit-your-csv.sh [your.csv] [label column] [sensitive column] [output folder]
#
# A data owner has one CSV (here 3,000 Adult census rows scikit-learn's fixtures use, with "?"
# for missing cells) and wants to know, before publishing a model trained on it, whether the
# model can be stolen, whether it gives away a sensitive column, and whether it tells who was in
# its training data. `threatlab train` records in the model file how it split the CSV (seed, test
# fraction, SHA-256 of the file), so `threatlab audit --dataset` judges membership on the true
# training rows. The report (report.html, report.json) says per threat how exposed the model is,
# under which publishing policy, and by what rule.
set -euo pipefail
cd "$(dirname "$0")/.."

csv=${1:-test/fixtures/sklearn/adult-population.csv}
label=${2:-income}
sensitive=${3:-sex}
out=${4:-${TMPDIR:-/tmp}/threatlab-audit-example}
mkdir -p "$out"

# 1. Train a decision tree (trees take rows with missing cells) on 70% of the rows.
npx threatlab train --dataset "$csv" --target "$label" --model tree --param maxDepth=8 --out "$out/model.json"

# 2. Audit it: extraction, inversion of the sensitive column, membership — under full scores,
#    scores rounded to 2 decimals, and labels only.
npx threatlab audit --model "$out/model.json" --dataset "$csv" --sensitive "$sensitive" --quick --out "$out/report"

echo "open $out/report/report.html in a browser"
