from __future__ import annotations

from typing import Any

from rest_framework import generics, serializers

from qorgau.territory.filters import TerritoryFilterSet
from qorgau.territory.models import Territory, TerritoryPopulation


class PopulationSerializer(serializers.ModelSerializer[TerritoryPopulation]):
    class Meta:
        model = TerritoryPopulation
        fields = ["year", "total", "males", "females", "urban", "rural", "source"]


class TerritorySerializer(serializers.ModelSerializer[Territory]):
    parent_code: serializers.Field[Any, Any, Any, Any] = serializers.SlugRelatedField(
        source="parent", slug_field="kato_code", read_only=True
    )
    population = PopulationSerializer(many=True, read_only=True)

    class Meta:
        model = Territory
        fields = [
            "id",
            "kato_code",
            "level",
            "kind",
            "parent_code",
            "name_kk",
            "name_ru",
            "name_en",
            "valid_from",
            "valid_to",
            "population",
        ]


class TerritoryListApi(generics.ListAPIView[Territory]):
    """Regions and districts (today's by default; ``on=YYYY-MM-DD`` for a past map)."""

    serializer_class = TerritorySerializer
    filterset_class = TerritoryFilterSet
    queryset = Territory.objects.select_related("parent").prefetch_related("population")


class TerritoryDetailApi(generics.RetrieveAPIView[Territory]):
    serializer_class = TerritorySerializer
    queryset = Territory.objects.select_related("parent").prefetch_related("population")
