"""Derive ``china_districts.csv`` from the public adcode table of the ``cpca`` package.

Source: ``cpca/resources/adcodes.csv`` of cpca 0.5.5 (https://github.com/DQinYuan/
chinese_province_city_area_mapper), MIT licence, copyright (c) 2018 QinYuan Du.
Run: ``python data/geo/derive_districts.py path/to/adcodes.csv data/geo/china_districts.csv``.

Adds, per row: level (province / prefecture / county), the province's English name, the
sales region (the seven customary regions of mainland China), a ``regional_centre`` flag
(provincial capitals, the four municipalities and six major port/industrial cities) and a
``remote`` flag (see ``REMOTE_KM``). Taiwan, Hong Kong and Macau are left out: they are not
served by the company's mainland distribution.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from data.geography import great_circle_km

#: province code -> (English name, region)
PROVINCES: dict[str, tuple[str, str]] = {
    "11": ("Beijing", "North"), "12": ("Tianjin", "North"), "13": ("Hebei", "North"),
    "14": ("Shanxi", "North"), "15": ("Inner Mongolia", "North"),
    "21": ("Liaoning", "Northeast"), "22": ("Jilin", "Northeast"),
    "23": ("Heilongjiang", "Northeast"),
    "31": ("Shanghai", "East"), "32": ("Jiangsu", "East"), "33": ("Zhejiang", "East"),
    "34": ("Anhui", "East"), "35": ("Fujian", "East"), "36": ("Jiangxi", "East"),
    "37": ("Shandong", "East"),
    "41": ("Henan", "Central"), "42": ("Hubei", "Central"), "43": ("Hunan", "Central"),
    "44": ("Guangdong", "South"), "45": ("Guangxi", "South"), "46": ("Hainan", "South"),
    "50": ("Chongqing", "Southwest"), "51": ("Sichuan", "Southwest"),
    "52": ("Guizhou", "Southwest"), "53": ("Yunnan", "Southwest"), "54": ("Tibet", "Southwest"),
    "61": ("Shaanxi", "Northwest"), "62": ("Gansu", "Northwest"), "63": ("Qinghai", "Northwest"),
    "64": ("Ningxia", "Northwest"), "65": ("Xinjiang", "Northwest"),
}
MUNICIPALITIES = {"11", "12", "31", "50"}
#: prefecture codes of provincial capitals and major cities (regional centres)
CENTRE_PREFECTURES = {
    "1301", "1401", "1501", "2101", "2102", "2201", "2301", "3201", "3205", "3301", "3302",
    "3401", "3501", "3502", "3601", "3701", "3702", "4101", "4201", "4301", "4401", "4403",
    "4501", "4601", "5101", "5201", "5301", "5401", "6101", "6201", "6301", "6401", "6501",
}
#: a county-level unit farther than this from every regional centre (great circle) is remote
REMOTE_KM = 250.0
#: provinces whose county-level units outside the capital's prefecture are all remote
REMOTE_PROVINCES = {"54", "63", "65"}


def derive(raw: pd.DataFrame) -> pd.DataFrame:
    code = raw["adcode"].astype(str).str[:6]
    df = pd.DataFrame({"adcode": code, "name": raw["name"], "longitude": raw["longitude"],
                       "latitude": raw["latitude"]})
    df["pcode"] = df["adcode"].str[:2]
    # upstream lists placeholder units (e.g. "市辖区") without coordinates: not places
    df = df[df["pcode"].isin(PROVINCES) & df["longitude"].notna() & df["latitude"].notna()].copy()
    df["level"] = np.where(df["adcode"].str[2:] == "0000", "province",
                           np.where(df["adcode"].str[4:] == "00", "prefecture", "county"))
    names = dict(zip(df["adcode"], df["name"], strict=True))
    df["province"] = [names.get(c[:2] + "0000", "") for c in df["adcode"]]
    df["city"] = [
        names.get(c[:4] + "00") or names.get(c[:2] + "0000", "") for c in df["adcode"]
    ]
    df["district"] = np.where(df["level"] == "county", df["name"], "")
    df["province_en"] = df["pcode"].map(lambda p: PROVINCES[p][0])
    df["region"] = df["pcode"].map(lambda p: PROVINCES[p][1])
    is_centre_pref = df["adcode"].str[:4].isin(CENTRE_PREFECTURES)
    df["regional_centre"] = ((df["level"] == "prefecture") & is_centre_pref) | (
        (df["level"] == "province") & df["pcode"].isin(MUNICIPALITIES)
    )
    centres = df[df["regional_centre"]]
    dist = great_circle_km(df["longitude"].to_numpy()[:, None], df["latitude"].to_numpy()[:, None],
                           centres["longitude"].to_numpy()[None, :],
                           centres["latitude"].to_numpy()[None, :]).min(axis=1)
    df["km_to_centre"] = dist.round(1)
    county = df["level"] == "county"
    df["remote"] = county & (
        (dist > REMOTE_KM) | (df["pcode"].isin(REMOTE_PROVINCES) & ~is_centre_pref)
    )
    cols = ["adcode", "level", "province", "province_en", "city", "district", "longitude",
            "latitude", "region", "regional_centre", "remote", "km_to_centre"]
    return df[cols].sort_values("adcode").reset_index(drop=True)


if __name__ == "__main__":
    derive(pd.read_csv(sys.argv[1], dtype={"adcode": str})).to_csv(sys.argv[2], index=False)
