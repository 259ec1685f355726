// Unicode helpers of the tokenizer.json backend, on ICU (normalization, case, properties).
#include "tokenizer/js_text.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "util/check.h"

namespace sentlens::hf {

bool is_js_whitespace(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0xFEFF:
    case 0x2028:
    case 0x2029:
      return true;
    default:
      return c >= 0x20 && u_charType(static_cast<UChar32>(c)) == U_SPACE_SEPARATOR;
  }
}

std::string decode_utf8_lossy(std::string_view bytes) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  while (i < bytes.size()) {
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
      out.push_back(static_cast<char>(lead));
      ++i;
      continue;
    }
    // WHATWG UTF-8 decoder: the first continuation byte's allowed range depends on the lead
    // byte; a sequence that breaks off consumes only its valid prefix.
    std::size_t needed = 0;
    unsigned char lower = 0x80, upper = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      needed = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      needed = 2;
      if (lead == 0xE0) lower = 0xA0;
      if (lead == 0xED) upper = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      needed = 3;
      if (lead == 0xF0) lower = 0x90;
      if (lead == 0xF4) upper = 0x8F;
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    std::size_t k = 1;
    bool complete = true;
    for (; k <= needed; ++k) {
      if (i + k >= bytes.size()) {
        complete = false;
        break;
      }
      const unsigned char b = byte(i + k);
      const unsigned char lo = k == 1 ? lower : 0x80, hi = k == 1 ? upper : 0xBF;
      if (b < lo || b > hi) {
        complete = false;
        break;
      }
    }
    if (complete) {
      out.append(bytes.substr(i, needed + 1));
      i += needed + 1;
    } else {
      out += kReplacement;
      i += k;  // the lead and the continuation bytes that were valid so far
    }
  }
  return out;
}

namespace {

const icu::Normalizer2& normalizer_for(NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* instance = nullptr;
  switch (form) {
    case NormalForm::kNfc:
      instance = icu::Normalizer2::getNFCInstance(status);
      break;
    case NormalForm::kNfd:
      instance = icu::Normalizer2::getNFDInstance(status);
      break;
    case NormalForm::kNfkc:
      instance = icu::Normalizer2::getNFKCInstance(status);
      break;
    case NormalForm::kNfkd:
      instance = icu::Normalizer2::getNFKDInstance(status);
      break;
  }
  SENTLENS_CHECK(U_SUCCESS(status) && instance != nullptr, Error,
                 "ICU normalization data is unavailable ({})", u_errorName(status));
  return *instance;
}

icu::UnicodeString to_icu(std::string_view text) {
  return icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
}

std::string from_icu(const icu::UnicodeString& text) {
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace

bool is_normalized(std::string_view text, NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const bool result = normalizer_for(form).isNormalized(to_icu(text), status);
  return U_SUCCESS(status) && result;
}

std::string normalize(std::string_view text, NormalForm form) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString result = normalizer_for(form).normalize(to_icu(text), status);
  SENTLENS_CHECK(U_SUCCESS(status), Error, "ICU normalization failed ({})", u_errorName(status));
  return from_icu(result);
}

bool has_normalization_boundary_before(char32_t c, NormalForm form) {
  return normalizer_for(form).hasBoundaryBefore(static_cast<UChar32>(c)) != 0;
}

std::string to_lower(std::string_view text) {
  icu::UnicodeString value = to_icu(text);
  value.toLower(icu::Locale::getRoot());
  return from_icu(value);
}

bool is_mark(char32_t c) {
  return (U_GET_GC_MASK(static_cast<UChar32>(c)) & U_GC_M_MASK) != 0;
}

bool is_word_char(char32_t c) {
  return c == U'_' || u_isalnum(static_cast<UChar32>(c)) != 0;
}

}  // namespace sentlens::hf
