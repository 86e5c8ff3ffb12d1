"""Content-Security-Policy on every response. Scripts only from our own origin, plus inline scripts that
carry this response's nonce (`{{ request.csp_nonce }}`); styles may be inline (the admin uses style
attributes); no framing, no plugins, forms post only to us."""

import secrets

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
        )
        if header not in response:
            response[header] = settings.CONTENT_SECURITY_POLICY.format(nonce=request.csp_nonce)
        return response
