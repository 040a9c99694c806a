"""Showing personal data to people who may see only part of it."""


def mask_phone(phone: str) -> str:
    """'13812345678' -> '138****5678': enough to recognise, not enough to call."""
    if not phone:
        return ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


def mask_id_number(number: str) -> str:
    """'330502199001011234' -> '3305**********1234': the region and the last digits only."""
    if not number:
        return ""
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}" if len(number) > 8 else "****"
