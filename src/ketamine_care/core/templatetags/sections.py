"""`{% page_sections "patient_chart" patient %}`: render the sections that apps registered for
a page (`core/sections.py`), each partial with the page's context plus its own."""

from __future__ import annotations

from django import template

from ketamine_care.core.sections import gather

register = template.Library()


class PageSectionsNode(template.Node):
    def __init__(self, page: template.base.FilterExpression, obj: template.base.FilterExpression):
        self.page = page
        self.obj = obj

    def render(self, context) -> str:
        shown = gather(
            self.page.resolve(context), context.get("request"), self.obj.resolve(context)
        )
        parts = []
        for item in shown:
            partial = context.template.engine.get_template(item.section.template)
            with context.push(**item.context):
                parts.append(partial.render(context))
        # Like {% include %}: each partial is a template rendered with autoescaping on.
        return "".join(parts)


@register.tag
def page_sections(parser, token) -> PageSectionsNode:
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a page name and an object")
    return PageSectionsNode(parser.compile_filter(bits[1]), parser.compile_filter(bits[2]))
