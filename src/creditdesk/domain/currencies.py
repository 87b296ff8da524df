"""ISO 4217 currencies and their minor-unit exponents.

Kept as data in the domain (standard library only) so that Money never asks an
adapter how many decimals a currency has.
"""

from __future__ import annotations

# Active ISO 4217 codes whose minor unit is not 2 decimals.
_EXCEPTIONS: dict[str, int] = {
    # no minor unit
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # three decimals
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # four decimals (units of account)
    "CLF": 4,
    "UYW": 4,
}

_TWO_DECIMALS = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP
BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD
FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD
KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD
NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP
SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED
VES WST XCD XCG YER ZAR ZMW ZWG
"""

MINOR_UNIT_EXPONENT: dict[str, int] = {code: 2 for code in _TWO_DECIMALS.split()}
MINOR_UNIT_EXPONENT.update(_EXCEPTIONS)


def is_known_currency(code: str) -> bool:
    return code in MINOR_UNIT_EXPONENT


def minor_unit_exponent(code: str) -> int:
    """Decimals of the currency's minor unit (EUR 2, JPY 0, KWD 3)."""
    try:
        return MINOR_UNIT_EXPONENT[code]
    except KeyError:
        raise UnknownCurrency(code) from None


class UnknownCurrency(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown currency {code!r}; expected an ISO 4217 code such as EUR")
        self.code = code
