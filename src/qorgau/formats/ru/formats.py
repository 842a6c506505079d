# Russian dates as numbers, as in Kazakh: "07.12.2026", the form officials write and read;
# Django's own Russian formats give the rest (numbers, input formats).
DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
MONTH_DAY_FORMAT = "d.m"
