"""Rendering never reaches the network: the URL fetcher refuses everything but data URLs."""

from __future__ import annotations

import socket

import pytest

from qorgau.reports.render import html_to_pdf, offline_fetcher, report_render, report_request_parse

pytestmark = pytest.mark.django_db

SQUARE = "PHN2ZyB4bWxucz0naHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmcnIHdpZHRoPSc0JyBoZWlnaHQ9JzQnLz4="
HOSTILE = f"""<html><head>
<link rel="stylesheet" href="https://cdn.example.org/style.css">
<style>@import url("http://example.org/more.css"); @font-face {{ font-family: X;
  src: url("https://fonts.example.org/x.woff2"); }}</style></head>
<body><p>Қорғау — защита</p>
<img src="http://127.0.0.1:9/tracker.png"><img src="file:///etc/passwd">
<img src="relative/chart.svg">
<img src="data:image/svg+xml;base64,{SQUARE}">
</body></html>"""


def test_the_fetcher_refuses_every_url_but_data(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a report tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    fetcher = offline_fetcher()
    pdf = html_to_pdf(HOSTILE, fetcher=fetcher)
    assert pdf.startswith(b"%PDF")
    refused = " ".join(fetcher.refused)
    for url in (
        "https://cdn.example.org/style.css",
        "http://example.org/more.css",
        "https://fonts.example.org/x.woff2",
        "http://127.0.0.1:9/tracker.png",
        "file:///etc/passwd",
        "file:///nonexistent/relative/chart.svg",
    ):
        assert url in refused
    assert "data:" not in refused


def test_a_whole_report_renders_without_network(report_values, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a report tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    request = report_request_parse(kind="region", code="750000000", period="2024", language="kk")
    pdf, built = report_render(request, "pdf")
    assert pdf.startswith(b"%PDF")
