// The report's look: its style sheet, colours, and the small HTML helpers every section uses.
#include "report/report_sections.h"

#include "dsl/parser.h"
#include "dsl/printer.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cmath>

namespace symopt::report {

const std::string& rank_colour(std::size_t rank) {
  static const std::array<std::string, 8> colours = {"#2563eb", "#db2777", "#0891b2", "#ca8a04",
                                                     "#9333ea", "#059669", "#ea580c", "#4f46e5"};
  return colours[rank % colours.size()];
}

TimeUnit time_unit_for(double longest_seconds) {
  if (longest_seconds <= 180) return {1, "seconds"};
  if (longest_seconds <= 3 * 3600) return {60, "minutes"};
  return {3600, "hours"};
}

std::string html(const std::string& text) { return escape_markup(text); }

std::string folded_program(const std::string& canonical_text) {
  try {
    return print_folded(parse_program(canonical_text));
  } catch (const std::exception&) {
    return canonical_text;  // shown as stored rather than not at all
  }
}

std::string highlighted_program(const std::string& text) {
  std::string out;
  std::size_t i = 0;
  auto span = [&](const char* cls, const std::string& token) {
    out += fmt::format("<span class=\"{}\">{}</span>", cls, html(token));
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {  // a comment runs to the end of the line
      const std::size_t end = text.find('\n', i);
      span("cm", text.substr(i, end == std::string::npos ? std::string::npos : end - i));
      i = end == std::string::npos ? text.size() : end;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t end = i;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) ++end;
      const std::string word = text.substr(i, end - i);
      if (word == "def" || word == "return") {
        span("kw", word);
      } else if (end < text.size() && text[end] == '(') {
        span(word == "train" ? "fn" : "op", word);
      } else {
        out += html(word);
      }
      i = end;
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      std::size_t end = i;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '.' ||
                                   ((text[end] == '-' || text[end] == '+') && (text[end - 1] == 'e' || text[end - 1] == 'E')))) {
        ++end;
      }
      span("num", text.substr(i, end - i));
      i = end;
    } else {
      out += html(std::string(1, c));
      ++i;
    }
  }
  return out;
}

std::string fitness_html(double value) {
  const char* cls = !std::isfinite(value) ? "neg" : value > 5e-5 ? "pos" : value < -5e-5 ? "neg" : "zero";
  return fmt::format("<span class=\"fit {}\">{}{}</span>", cls, value > 0 ? "+" : "",
                     std::isfinite(value) ? fmt::format("{:.4f}", value) : std::string("n/a"));
}

std::string section_open(const std::string& id, const std::string& title, const std::string& lead) {
  return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}", id, html(title),
                     lead.empty() ? "" : "<p class=\"lead\">" + lead + "</p>\n");
}

std::string page_css() {
  return R"CSS(
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bg:#f3f4f6; --card:#ffffff; --accent:#2563eb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
header.top { background:linear-gradient(120deg,#0f172a,#1e3a8a); color:#f9fafb; padding:28px 40px 24px; }
header.top h1 { margin:0 0 4px; font-size:26px; font-weight:650; letter-spacing:-0.01em; }
header.top .sub { color:#cbd5e1; margin:0 0 18px; }
header.top .sub code { color:#e0e7ff; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(150px,1fr)); gap:12px; }
.card { background:rgba(255,255,255,0.08); border:1px solid rgba(255,255,255,0.14); border-radius:10px; padding:10px 14px; }
.card .k { font-size:12px; color:#cbd5e1; text-transform:uppercase; letter-spacing:0.05em; }
.card .v { font-size:22px; font-weight:650; font-variant-numeric:tabular-nums; }
.card .v .fit { color:inherit; }
.card .s { font-size:12px; color:#94a3b8; }
nav.toc { position:sticky; top:0; z-index:2; background:#ffffffee; border-bottom:1px solid var(--line);
  padding:8px 40px; display:flex; gap:18px; flex-wrap:wrap; font-size:13px; }
nav.toc a { color:#374151; text-decoration:none; } nav.toc a:hover { color:var(--accent); }
main { padding:8px 40px 40px; max-width:1640px; }
section { background:var(--card); border:1px solid var(--line); border-radius:12px; padding:18px 22px 22px; margin:22px 0;
  box-shadow:0 1px 2px rgba(0,0,0,0.04); }
section h2 { margin:0 0 4px; font-size:19px; }
section h3 { margin:18px 0 6px; font-size:15px; }
p.lead { color:var(--muted); margin:0 0 14px; max-width:980px; }
.charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(560px,1fr)); gap:16px; align-items:start; }
.charts > figure { margin:0; }
svg.chart { width:100%; height:auto; border:1px solid var(--line); border-radius:8px; }
figcaption { color:var(--muted); font-size:12.5px; margin-top:4px; }
table { border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:4px 12px 4px 0; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; font-size:12.5px; }
td.num, th.num { text-align:right; padding-right:14px; }
table.facts td:first-child { color:var(--muted); padding-right:22px; white-space:nowrap; }
.two { display:grid; grid-template-columns:minmax(320px,1fr) minmax(320px,1fr); gap:24px; align-items:start; }
@media (max-width:1000px) { .two { grid-template-columns:1fr; } .charts { grid-template-columns:1fr; } }
pre.program { background:#0f172a; color:#e2e8f0; border-radius:8px; padding:12px 14px; margin:0; overflow-x:auto;
  font:13px/1.55 ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace; }
pre.program .kw { color:#c084fc; } pre.program .fn { color:#93c5fd; } pre.program .op { color:#fcd34d; }
pre.program .num { color:#6ee7b7; } pre.program .cm { color:#94a3b8; font-style:italic; }
code, .mono { font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace; font-size:12.5px; }
.fit { font-weight:650; font-variant-numeric:tabular-nums; } .fit.pos { color:#15803d; } .fit.neg { color:#b91c1c; } .fit.zero { color:#4b5563; }
.program-card { border:1px solid var(--line); border-left:5px solid var(--rank); border-radius:10px; padding:14px 16px; margin:14px 0; }
.program-card h3 { margin:0 0 10px; display:flex; gap:14px; align-items:baseline; flex-wrap:wrap; }
.program-card h3 .rank { color:var(--rank); font-size:18px; }
.tag { display:inline-block; background:#eef2ff; color:#3730a3; border-radius:999px; padding:1px 9px; font-size:12px; font-weight:500; }
.bar { position:relative; width:120px; height:10px; background:#f3f4f6; border-radius:5px; display:inline-block; vertical-align:middle; }
.bar span { position:absolute; top:0; height:10px; border-radius:5px; }
.bar span.pos { left:50%; background:#22c55e; } .bar span.neg { right:50%; background:#ef4444; }
.bar::after { content:""; position:absolute; left:50%; top:-2px; height:14px; border-left:1px solid #9ca3af; }
ol.lineage { list-style:none; margin:6px 0 0; padding:0 0 0 14px; border-left:2px solid var(--line); }
ol.lineage li { position:relative; padding:3px 0 3px 12px; }
ol.lineage li::before { content:""; position:absolute; left:-20px; top:10px; width:10px; height:10px; border-radius:50%;
  background:#fff; border:2px solid #9ca3af; }
ol.lineage li.up::before { border-color:#16a34a; background:#dcfce7; }
ol.lineage li.down::before { border-color:#dc2626; background:#fee2e2; }
ol.lineage li.root::before { border-color:#111827; background:#111827; }
ol.lineage li.self::before { border-color:var(--rank); background:var(--rank); }
ol.lineage .meta { color:var(--muted); font-size:12px; margin-right:8px; }
ol.lineage .delta { font-size:12px; margin-left:6px; }
ol.lineage code { background:#f3f4f6; border-radius:4px; padding:1px 5px; }
details > summary { cursor:pointer; color:#374151; margin:6px 0; }
.pareto { display:grid; grid-template-columns:repeat(auto-fill,minmax(340px,1fr)); gap:12px; }
.pareto-head { margin:0 0 4px; }
pre.program.small { font-size:12px; padding:8px 10px; }
td.name { white-space:nowrap; }
.note { background:#fffbeb; border:1px solid #fde68a; border-radius:8px; padding:10px 14px; color:#92400e; }
.muted { color:var(--muted); }
.legend-dot { display:inline-block; width:10px; height:10px; border-radius:50%; margin-right:5px; vertical-align:baseline; }
footer { color:var(--muted); font-size:12.5px; padding:0 40px 30px; }
)CSS";
}

}  // namespace symopt::report
