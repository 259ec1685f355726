// The HTML/CSS/JS page of the report (report_template.cpp), with two markers that
// render_html_report replaces: @SENTLENS_TITLE@ (HTML-escaped) and @SENTLENS_DATA@ (the JSON).
#pragma once

#include <string_view>

namespace sentlens {

std::string_view report_template();

}  // namespace sentlens
