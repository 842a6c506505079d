# English dates day first, month by name: "7 Dec 2026". Django's "m/d/Y" reads as the wrong
# day to anyone in Kazakhstan; Django's own English formats give the rest (numbers, input).
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j M"
TIME_FORMAT = "H:i"
