from django import template

from marketplace.core.money import format_cny

register = template.Library()


@register.filter
def cny(value):
    """{{ amount|cny }} → 200,000.00"""
    return format_cny(value)
