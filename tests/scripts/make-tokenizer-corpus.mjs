// Writes tests/tokenizer/data/corpus.json: the strings every tokenizer parity test encodes.
// Deterministic (no randomness), so the committed file can be regenerated and diffed:
//   node tests/scripts/make-tokenizer-corpus.mjs > tests/tokenizer/data/corpus.json
const base = [
  // empty and whitespace only
  "", " ", "  ", "\t", "\n", "\r\n", " \n ", "\n\n\n", "\t\t  \n", "   leading", "trailing   ",
  "  both  ", "a\r\nb\r\n\r\nc", "line1\nline2\n", "tab\tseparated\tvalues", "mixed \t\n \r\n end",
  "\u00a0nbsp\u00a0inside\u00a0", "a\u00a0\u00a0b", "x\u2009thin\u2009space", "ideographic\u3000space",
  "zero\u200bwidth\u200bspace", "zwnj\u200cand\u200dzwj", "bom\ufeffinside", "word\u2060joiner",
  "mongolian\u180evowel", "line\u2028separator\u2029para", "nel\u0085char", "vertical\u000btab\u000cff",
  // reasoning traces with LaTeX
  "Let me think step by step. First, \\( x^2 + y^2 = r^2 \\).",
  "So the answer is \\boxed{42}.", "The final answer is $\\boxed{\\frac{1}{2}}$.",
  "We have \\[ \\sum_{k=1}^{n} k = \\frac{n(n+1)}{2} \\] for all n.",
  "Compute 2^{10} = 1024, and 3.14159 \\approx \\pi.", "Wait, that's not right. Let's re-check: 17 * 23 = 391.",
  "Hmm, so $\\int_0^1 x\\,dx = \\tfrac12$; therefore...", "\\begin{align} a &= b \\\\ c &= d \\end{align}",
  "Case 1: n is even.\nCase 2: n is odd.\n\nThus in both cases the claim holds.",
  "Alternatively, maybe I should consider $f(x) = e^{-x^2}$ instead.",
  "Step 3) Subtract: 1,000,000 - 999,999 = 1.", "So x \u2208 {1, 2, 3} and y \u2264 x\u00b2 \u2192 y \u2208 [0, 9].",
  "\u2200\u03b5>0 \u2203\u03b4>0: |x\u2212a|<\u03b4 \u21d2 |f(x)\u2212f(a)|<\u03b5",
  // numbers
  "3.14159", "1,000,000", "2^{10}", "0.000001", "-42", "+7", "1e-9", "6.022e23", "12345678901234567890",
  "v1.2.3", "192.168.0.1", "2024-01-15T10:30:00Z", "$1,299.99", "50%", "1/3", "\u00bd + \u00bc",
  "\u0661\u0662\u0663 arabic digits", "\u0967\u0968\u0969 devanagari digits", "\uff11\uff12\uff13 fullwidth",
  "\u2460\u2461\u2462 circled", "\u00b2\u00b3\u00b9 superscripts", "\u2167 roman numeral",
  // code
  "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}",
  "const y = await fetch(`/api?q=${q}`);", "if x != None and not y:\n        pass",
  "#include <stdio.h>\nint main() { printf(\"hi\\n\"); }", "SELECT * FROM t WHERE id = 3;",
  "<div class=\"a\">text</div>", "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }",
  "x = [1, 2, 3]  # a list\n", "    indented four\n        indented eight", "a==b&&c||d", "snake_case_name camelCaseName",
  "don't won't I'm you're they've we'll she'd IT'S DON'T I'M", "'s 't 're 've 'm 'll 'd",
  // CJK, Arabic, other scripts
  "\u4f60\u597d\uff0c\u4e16\u754c\uff01", "\u6211\u4eec\u6765\u8ba1\u7b97\u4e00\u4e0b\u3002",
  "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002", "\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a",
  "\ud55c\uad6d\uc5b4 \ubb38\uc7a5\uc785\ub2c8\ub2e4.", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
  "\u0627\u0644\u0644\u063a\u0629 \u0627\u0644\u0639\u0631\u0628\u064a\u0629\u064f \u062c\u0645\u064a\u0644\u0629\u064c",
  "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440!",
  "\u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u039a\u03cc\u03c3\u03bc\u03b5", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
  "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a", "Ti\u1ebfng Vi\u1ec7t c\u00f3 d\u1ea5u",
  "mixed \u4e2d\u6587 and English \u6df7\u5408", "\ud840\udc00\ud840\udc01 CJK ext B",
  // emoji with ZWJ and skin tones
  "\ud83d\udc4d", "\ud83d\udc4d\ud83c\udffd", "\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66",
  "\ud83c\udff3\ufe0f\u200d\ud83c\udf08", "\ud83d\udc69\ud83c\udffe\u200d\ud83d\udcbb coding", "I love it \u2764\ufe0f\ud83d\udd25\ud83d\udd25",
  "\ud83c\uddfa\ud83c\uddf8\ud83c\uddef\ud83c\uddf5 flags", "\ud83e\udd14 thinking...", "emoji\ud83d\ude00inside\ud83d\ude00words",
  // combining marks, normalization-sensitive text
  "e\u0301", "cafe\u0301 vs caf\u00e9", "A\u030a", "\u212b angstrom", "n\u0303o\u0308", "Zalgo: Z\u0351\u0363a\u0334\u0345l\u0315g\u0360o",
  "\u1100\u1161\u11a8 hangul jamo", "\ufb01 ligature", "\u2126 ohm", "\u00c5\u0301", "q\u0307\u0323",
  // special tokens inside text
  "<think>\nLet me think.\n</think>\n\nThe answer is 4.", "<think></think>", "a<think>b</think>c",
  "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", "<|endoftext|>", "text<|endoftext|>more",
  "<s>hello</s>", " <s> spaced </s> ", "<unk>", "<|begin_of_text|>Hello", "<|eot_id|><|start_header_id|>",
  "\uff5cbegin\u2581of\u2581sentence\uff5c", "<\uff5cbegin\u2581of\u2581sentence\uff5c>Hi<\uff5cend\u2581of\u2581sentence\uff5c>",
  "<|fim_prefix|>code<|fim_suffix|>", "<tool_call>{\"name\": \"f\"}</tool_call>", "<think", "think>", "<<think>>",
  // punctuation and symbols
  "Hello, world!", "Hello world", "hello", "HELLO WORLD", "...", "!!!???", "\u2014 em dash \u2013 en dash",
  "\u201cquoted\u201d \u2018single\u2019", "\u00abguillemets\u00bb", "\u00a9\u00ae\u2122", "@#$%^&*()_+-=[]{}|;':\",./<>?",
  "~`", "\\\\", "__init__", "--flag=value", "a/b/c.txt", "https://example.com/path?x=1&y=2#frag",
];

// Very long words and repeated runs.
const long = [
  "a".repeat(300), "ab".repeat(200), "supercalifragilisticexpialidocious".repeat(8),
  "\u4e2d".repeat(150), "1".repeat(120), " ".repeat(100), "\n".repeat(40), "\t".repeat(30),
  "!".repeat(64), "\ud83d\ude00".repeat(40), "\u00e9".repeat(80), "x".repeat(1000) + " end",
  "pneumonoultramicroscopicsilicovolcanoconiosis", "Donaudampfschifffahrtsgesellschaftskapit\u00e4n",
];

// Combinations: joins of two fragments with separators that stress pre-tokenizer boundaries.
const seps = ["", " ", "  ", "\n", "\r\n", "\t", "\u00a0", " \n", "<think>", "\u200b", ". ", "\n\n"];
const out = [...base, ...long];
const pool = base.filter((s) => s.length > 0 && s.length < 80);
let k = 0;
for (let i = 0; out.length < 640; ++i) {
  const a = pool[(i * 7) % pool.length];
  const b = pool[(i * 13 + 5) % pool.length];
  const sep = seps[k++ % seps.length];
  out.push(a + sep + b);
  if (i % 5 === 0) out.push(" " + a + sep);
}
// A few longer trace-like paragraphs assembled from the pool.
for (let p = 0; p < 20; ++p) {
  let text = "";
  for (let j = 0; j < 12; ++j) text += pool[(p * 31 + j * 17) % pool.length] + (j % 3 === 2 ? "\n" : " ");
  out.push(text);
}
process.stdout.write(JSON.stringify(out, null, 0).replace(/","/g, "\",\n\"") + "\n");
