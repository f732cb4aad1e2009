"""The site's one style sheet, inlined in every page: no file to fetch, nothing from the network."""

CSS = """
:root { --red: #b71c1c; --ink: #212121; --soft: #757575; --line: #e0e0e0; --band: #fafafa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.6;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
  sans-serif; }
header { background: var(--red); color: #fff; padding: 14px 28px; }
header h1 { margin: 0; font-size: 22px; font-weight: 600; }
header p { margin: 2px 0 0; font-size: 13px; opacity: .9; }
nav { background: #fff; border-bottom: 1px solid var(--line); padding: 0 28px; }
nav a { display: inline-block; padding: 10px 14px; color: var(--ink); text-decoration: none; }
nav a[aria-current="page"] { color: var(--red); border-bottom: 3px solid var(--red); font-weight: 600; }
main { padding: 18px 28px 40px; max-width: 1200px; }
h2 { font-size: 18px; border-left: 4px solid var(--red); padding-left: 10px; margin: 28px 0 12px; }
h3 { font-size: 15px; margin: 18px 0 8px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 5px 10px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
tbody td:nth-child(-n+2), td a, td code { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.late td { color: var(--red); }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 4px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px; min-width: 170px; }
.card b { display: block; font-size: 22px; color: var(--red); font-variant-numeric: tabular-nums; }
.card span { color: var(--soft); font-size: 13px; }
.note { color: var(--soft); font-size: 13px; }
.chart { max-width: 100%; height: auto; display: block; margin: 6px 0 10px; }
.chart text { fill: var(--ink); }
dl.record { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 8px 0; }
dl.record dt { color: var(--soft); }
dl.record dd { margin: 0; }
code { font-family: "Noto Sans Mono CJK SC", monospace; font-size: 13px; background: var(--band); padding: 0 3px; }
footer { color: var(--soft); font-size: 12px; padding: 12px 28px; border-top: 1px solid var(--line); }
@page { size: A4; margin: 15mm 12mm; }
@media print {
  header { background: none; color: var(--ink); border-bottom: 2px solid var(--red); padding: 0 0 6px; }
  nav, .noprint { display: none; }
  main { padding: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  tr, .card, .chart { break-inside: avoid; }
  thead { display: table-header-group; }
  footer { border: none; padding: 8px 0 0; }
}
"""
