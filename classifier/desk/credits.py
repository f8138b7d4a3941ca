"""What an uploaded file says about itself that a desk must keep: who took it, who owns it, who
sent it, its caption, its keywords and when it was taken.

The site stores a clean re-encode of every upload (``classifier.uploads``), so these fields are
read from the sender's bytes on arrival, with Pillow (no exiftool start-up per upload), and kept
on the prediction as ``{exiftool tag: value}``; the tagged download writes them back
(``classifier.desk.photo_tags``). The GPS position is read only when the uploader asks to keep
it (``keep_location``). Nothing else is read: camera and lens serial numbers, the camera's
settings and the owner's name never leave the upload, whatever the uploader chose.
"""

import io
import logging
import math
import re
import warnings
from datetime import date
from xml.etree import ElementTree

from PIL import Image, IptcImagePlugin
from PIL.ImageFile import ImageFile

logger = logging.getLogger(__name__)

Credits = dict[str, str | list[str]]

EXIF_IFD0 = {0x013B: "EXIF:Artist", 0x8298: "EXIF:Copyright"}
EXIF_SUB_IFD, EXIF_DATE_TAKEN = 0x8769, 0x9003
# The GPS block's position and time. Kept as exiftool's raw values (the ``#`` suffix: decimal
# degrees, metres, 0 above / 1 below sea level), which it writes back as the file had them.
GPS_IFD = 0x8825
GPS_LATITUDE = (1, 2, "GPS:GPSLatitudeRef#", "GPS:GPSLatitude#", "NS", 90)
GPS_LONGITUDE = (3, 4, "GPS:GPSLongitudeRef#", "GPS:GPSLongitude#", "EW", 180)
GPS_ALTITUDE_REF, GPS_ALTITUDE, GPS_TIME, GPS_DATE = 5, 6, 7, 29
GPS_DAY = re.compile(r"\d{4}:\d{2}:\d{2}")
IPTC = {
    (2, 80): "IPTC:By-line",
    (2, 110): "IPTC:Credit",
    (2, 115): "IPTC:Source",
    (2, 116): "IPTC:CopyrightNotice",
    (2, 120): "IPTC:Caption-Abstract",
    (2, 25): "IPTC:Keywords",
    (2, 55): "IPTC:DateCreated",
}
IPTC_LISTS = {"IPTC:By-line", "IPTC:Keywords"}
IPTC_UTF8 = b"\x1b%G"
NAMESPACES = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "exif": "http://ns.adobe.com/exif/1.0/",
}
XMP = {
    ("dc", "creator"): "XMP-dc:Creator",
    ("dc", "rights"): "XMP-dc:Rights",
    ("dc", "description"): "XMP-dc:Description",
    ("dc", "subject"): "XMP-dc:Subject",
    ("photoshop", "Credit"): "XMP-photoshop:Credit",
    ("photoshop", "Source"): "XMP-photoshop:Source",
    ("photoshop", "DateCreated"): "XMP-photoshop:DateCreated",
    ("xmpRights", "UsageTerms"): "XMP-xmpRights:UsageTerms",
    ("exif", "DateTimeOriginal"): "XMP-exif:DateTimeOriginal",
}
XMP_TAGS = {f"{{{NAMESPACES[prefix]}}}{name}": tag for (prefix, name), tag in XMP.items()}
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# An XMP packet in a JPEG is at most 64 KB; a PNG's could be anything.
MAX_XMP_BYTES = 256 * 1024

# Longest value kept, and most items of a list (creators, keywords).
MAX_CHARACTERS = 2000
MAX_ITEMS = 64

# The caption and keywords are rewritten with the names (``photo_tags``); these are the originals.
CAPTIONS = ("XMP-dc:Description", "IPTC:Caption-Abstract")
KEYWORDS = ("XMP-dc:Subject", "IPTC:Keywords")
DATES_TAKEN = (
    "EXIF:DateTimeOriginal", "XMP-exif:DateTimeOriginal", "XMP-photoshop:DateCreated",
    "IPTC:DateCreated",
)  # fmt: skip
DAY = re.compile(r"(\d{4})[:-]?(\d{2})[:-]?(\d{2})")


def read_credits(data: bytes, *, keep_location: bool = False) -> Credits:
    """The kept fields of the file ``data``, and its GPS position if ``keep_location``; ``{}``
    when it has none or they cannot be read (a damaged block of metadata never refuses a
    photo)."""
    credits: Credits = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
            credits.update(exif_credits(image))
            credits.update(iptc_credits(image))
            credits.update(xmp_credits(image))
            if keep_location:
                credits.update(gps_position(image))
    except Exception:  # noqa: BLE001  (anything a hostile header can raise in a parser)
        logger.info("An upload's metadata could not be read; its credits are not kept.")
        return {}
    return {tag: clipped(value) for tag, value in credits.items() if value}


def clipped(value: str | list[str]) -> str | list[str]:
    """A value within what a desk's fields hold (IPTC's caption is 2,000 bytes), so that a
    hostile file cannot make every row it lands in heavy."""
    if isinstance(value, str):
        return value[:MAX_CHARACTERS]
    return [item[:MAX_CHARACTERS] for item in value[:MAX_ITEMS]]


def text(value: object) -> str:
    """EXIF and IPTC strings are bytes in no declared encoding: UTF-8 when they are, else
    Latin-1 (what older cameras and wires write). Pillow hands EXIF ASCII over as Latin-1."""
    if not isinstance(value, str | bytes):
        return ""
    if isinstance(value, str):
        value = value.encode("latin-1", "replace")
    try:
        decoded = value.decode("utf-8")
    except UnicodeDecodeError:
        decoded = value.decode("latin-1")
    return decoded.rstrip("\x00").strip()


def exif_credits(image: Image.Image) -> Credits:
    exif = image.getexif()
    credits: Credits = {
        tag: text(exif[number]) for number, tag in EXIF_IFD0.items() if number in exif
    }
    taken = exif.get_ifd(EXIF_SUB_IFD).get(EXIF_DATE_TAKEN)
    if taken:
        credits["EXIF:DateTimeOriginal"] = text(taken)
    return credits


def gps_position(image: Image.Image) -> Credits:
    """Where and when the GPS says the photo was taken: latitude, longitude, altitude with their
    references, and the GPS date and time. A value that is not a position on Earth is left out,
    so a hostile block never writes nonsense into a download."""
    gps = image.getexif().get_ifd(GPS_IFD)
    position: Credits = {}
    for ref_number, number, ref_tag, tag, refs, limit in (GPS_LATITUDE, GPS_LONGITUDE):
        ref, degrees = text(gps.get(ref_number)), sexagesimal(gps.get(number))
        if ref in tuple(refs) and degrees is not None and degrees <= limit:
            position[ref_tag], position[tag] = ref, f"{degrees:.8f}".rstrip("0").rstrip(".")
    altitude = number_or_none(gps.get(GPS_ALTITUDE))
    if altitude is not None and altitude < 100_000:
        position["GPS:GPSAltitude#"] = f"{altitude:.3f}".rstrip("0").rstrip(".")
        below = gps.get(GPS_ALTITUDE_REF) in (1, b"\x01")
        position["GPS:GPSAltitudeRef#"] = "1" if below else "0"
    day, hours = text(gps.get(GPS_DATE)), sexagesimal(gps.get(GPS_TIME))
    if GPS_DAY.fullmatch(day) and hours is not None and hours < 24:
        clock = round(hours * 3600, 3)
        seconds = f"{clock % 60:06.3f}".rstrip("0").rstrip(".")
        position["GPS:GPSDateStamp#"] = day
        position["GPS:GPSTimeStamp#"] = (
            f"{int(clock // 3600):02d}:{int(clock % 3600 // 60):02d}:{seconds}"
        )
    return position


def sexagesimal(value: object) -> float | None:
    """Three numbers (degrees or hours, minutes, seconds) as one, in the first one's unit."""
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    parts = [number_or_none(part) for part in value]
    if any(part is None for part in parts):
        return None
    first, minutes, seconds = (part or 0.0 for part in parts)
    return first + minutes / 60 + seconds / 3600


def number_or_none(value: object) -> float | None:
    """A finite, non-negative number, or None (a zero denominator reads as NaN)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def iptc_credits(image: ImageFile) -> Credits:
    info = IptcImagePlugin.getiptcinfo(image) or {}
    credits: Credits = {}
    for key, tag in IPTC.items():
        if key not in info:
            continue
        raw = info[key] if isinstance(info[key], list) else [info[key]]
        values = [value for value in map(text, raw) if value]
        credits[tag] = values if tag in IPTC_LISTS else "".join(values[:1])
    return credits


def xmp_credits(image: Image.Image) -> Credits:
    packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    if isinstance(packet, str):
        packet = packet.encode()
    if not packet or len(packet) > MAX_XMP_BYTES or b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        return {}
    root = ElementTree.fromstring(packet.strip(b"\x00 \r\n\t"))
    credits: Credits = {}
    for description in root.iter(f"{RDF}Description"):
        for name, value in description.attrib.items():
            if name in XMP_TAGS:
                credits[XMP_TAGS[name]] = value.strip()
        for element in description:
            if element.tag in XMP_TAGS:
                credits[XMP_TAGS[element.tag]] = xmp_value(element)
    return credits


def xmp_value(element: ElementTree.Element) -> str | list[str]:
    """A simple property's text, an rdf:Alt's default language, an rdf:Seq's or Bag's items."""
    for container in element:
        items = container.findall(f"{RDF}li")
        if container.tag == f"{RDF}Alt":
            default = [item for item in items if item.get(XML_LANG) == "x-default"]
            return ((default or items or [element])[0].text or "").strip()
        if container.tag in (f"{RDF}Seq", f"{RDF}Bag"):
            return [(item.text or "").strip() for item in items if (item.text or "").strip()]
    return (element.text or "").strip()


def original_caption(credits: Credits) -> str:
    """The caption the file came with (XMP first: it is Unicode by definition)."""
    for tag in CAPTIONS:
        if isinstance(caption := credits.get(tag), str) and caption:
            return caption
    return ""


def original_keywords(credits: Credits) -> list[str]:
    keywords: list[str] = []
    for tag in KEYWORDS:
        value = credits.get(tag, [])
        for keyword in [value] if isinstance(value, str) else value:
            if keyword not in keywords:
                keywords.append(keyword)
    return keywords


def date_taken(credits: Credits) -> date | None:
    """The day the photo was taken, by its capture date (EXIF DateTimeOriginal first)."""
    for tag in DATES_TAKEN:
        value = credits.get(tag)
        if isinstance(value, str) and (match := DAY.match(value)):
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                continue
    return None


def kept_as_they_came(credits: Credits) -> Credits:
    """The fields written back unchanged: all but the caption and keywords, which the tagged
    copy rewrites with the names."""
    return {tag: value for tag, value in credits.items() if tag not in (*CAPTIONS, *KEYWORDS)}
