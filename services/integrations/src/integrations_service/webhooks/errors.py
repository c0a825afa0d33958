"""Webhooks: the problems (RFC 9457) this domain raises. None repeats the submitted value."""

from shared.problems import Conflict, InvalidInput, NotFound


class WebhookNotFound(NotFound):
    slug = "webhook-not-found"
    title = "No such webhook endpoint"


class DeliveryNotFound(NotFound):
    slug = "webhook-delivery-not-found"
    title = "No such webhook delivery"


class InvalidWebhookUrl(InvalidInput):
    slug = "invalid-webhook-url"
    title = "The webhook URL is not acceptable"


class WebhookAddressRefused(InvalidInput):
    slug = "webhook-address-refused"
    title = "The webhook URL resolves to an address webhooks may not reach"


class UnknownEventType(InvalidInput):
    slug = "unknown-event-type"
    title = "An event type matches nothing the platform publishes"


class WebhookDisabled(Conflict):
    slug = "webhook-disabled"
    title = "The webhook endpoint is disabled"
