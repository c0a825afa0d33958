"""Reports as printable HTML pages (issue #11, "Seeing, not only reading").

`negotiation` picks JSON or HTML for a request (`?format=`, `Accept`; 406 otherwise) and answers
the chosen one; `pages` renders a report with the Jinja2 templates in `templates/` (shipped as
package data); `views` turns a report's sections into charts, drawn as inline SVG by `bars`
(gate funnel, days in stage, counts), `radar` (domain scores with the assessors' range), `grid`
(stakeholder power/interest) and `lines` (attainment by marker level over time), on the
primitives of `svg`. No JavaScript and no charting library: the page is HTML, CSS and SVG.
"""
