from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from qorgau.accounts import api as accounts_api
from qorgau.accounts import setup_api as accounts_setup_api
from qorgau.audit import api as audit_api
from qorgau.territory import api as territory_api
from qorgau.web import views as web_views

# Swagger UI and Redoc (served from drf-spectacular-sidecar, not a CDN) set inline styles.
_docs_csp = csp_update({"style-src": ["'unsafe-inline'"]})

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", accounts_api.TokenObtainApi.as_view(), name="token"),
    path("me/", accounts_api.MeApi.as_view(), name="me"),
    path("users/", accounts_api.UserListApi.as_view(), name="user-list"),
    path("users/<int:pk>/", accounts_api.UserDetailApi.as_view(), name="user-detail"),
    path(
        "setup/organisations/",
        accounts_setup_api.OrganisationSetupListApi.as_view(),
        name="setup-organisation-list",
    ),
    path(
        "setup/organisations/<int:pk>/",
        accounts_setup_api.OrganisationSetupDetailApi.as_view(),
        name="setup-organisation-detail",
    ),
    path("territories/", territory_api.TerritoryListApi.as_view(), name="territory-list"),
    path(
        "territories/<int:pk>/", territory_api.TerritoryDetailApi.as_view(), name="territory-detail"
    ),
    path("audit/", audit_api.AuditEntryListApi.as_view(), name="audit-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include("qorgau.registry.api_urls")),
    path("", include("qorgau.monitoring.api_urls")),
    path("linkage/", include("qorgau.linkage.api_urls")),
    path("latency/", include("qorgau.latency.api_urls")),
    path("rating/", include("qorgau.rating.api_urls")),
    path("programs/", include("qorgau.programs.api_urls")),
    path("coordination/", include("qorgau.coordination.api_urls")),
    path("notices/", include("qorgau.notices.api_urls")),
    path("budget/", include("qorgau.budget.api_urls")),
    path("citizens/", include("qorgau.citizens.api_urls")),
    path("reports/", include("qorgau.reports.api_urls")),
    path("survivor-cases/", include("qorgau.cases.api_urls")),
    path("reviews/", include("qorgau.reviews.api_urls")),
    path("imports/", include("qorgau.registry.importing.api_urls")),
]

urlpatterns = [
    path("", include(([path("", web_views.home, name="home")], "web"))),
    path("accounts/", include("qorgau.accounts.urls")),
    path("territories/", include("qorgau.territory.urls")),
    path("audit/", include("qorgau.audit.urls")),
    path("registry/", include("qorgau.registry.urls")),
    path("monitoring/", include("qorgau.monitoring.urls")),
    path("linkage/", include("qorgau.linkage.urls")),
    path("hidden-violence/", include("qorgau.latency.urls")),
    path("rating/", include("qorgau.rating.urls")),
    path("programmes/", include("qorgau.programs.urls")),
    path("coordination/", include("qorgau.coordination.urls")),
    path("survivor-cases/", include("qorgau.cases.urls")),
    path("notices/", include("qorgau.notices.urls")),
    path("serious-case-reviews/", include("qorgau.reviews.urls")),
    path("budget/", include("qorgau.budget.urls")),
    path("portal/", include("qorgau.citizens.urls")),
    path("reports/", include("qorgau.reports.urls")),
    path("registry/import/", include("qorgau.registry.importing.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "v1"))),
    path(
        "api/docs/",
        _docs_csp(SpectacularSwaggerSplitView.as_view(url_name="v1:schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        _docs_csp(SpectacularRedocView.as_view(url_name="v1:schema")),
        name="api-redoc",
    ),
]
