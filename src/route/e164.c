/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The E.164 country-code table, written from the ITU-T list of assigned
 * country codes (Annex to ITU Operational Bulletin, "List of ITU-T
 * Recommendation E.164 assigned country codes"). Spare and withdrawn codes
 * are absent; codes reserved for a country but not in use (379) and the
 * global services (800, 808, 870, 881-883, 888, 979) are present. Sorted
 * as text so a prefix lookup is a binary search per length.
 */
#include "route/e164.h"

#include <string.h>

#include "base/check.h"

struct cc_entry {
    const char *cc;
    const char *name;
};

/* Ascending by strcmp(); tests check the order and prefix-freedom. */
static const struct cc_entry cc_table[] = {
    { "1", "NANP (US, Canada, Caribbean)" },
    { "20", "Egypt" },
    { "211", "South Sudan" },
    { "212", "Morocco" },
    { "213", "Algeria" },
    { "216", "Tunisia" },
    { "218", "Libya" },
    { "220", "Gambia" },
    { "221", "Senegal" },
    { "222", "Mauritania" },
    { "223", "Mali" },
    { "224", "Guinea" },
    { "225", "Cote d'Ivoire" },
    { "226", "Burkina Faso" },
    { "227", "Niger" },
    { "228", "Togo" },
    { "229", "Benin" },
    { "230", "Mauritius" },
    { "231", "Liberia" },
    { "232", "Sierra Leone" },
    { "233", "Ghana" },
    { "234", "Nigeria" },
    { "235", "Chad" },
    { "236", "Central African Republic" },
    { "237", "Cameroon" },
    { "238", "Cabo Verde" },
    { "239", "Sao Tome and Principe" },
    { "240", "Equatorial Guinea" },
    { "241", "Gabon" },
    { "242", "Congo" },
    { "243", "Democratic Republic of the Congo" },
    { "244", "Angola" },
    { "245", "Guinea-Bissau" },
    { "246", "Diego Garcia" },
    { "247", "Ascension" },
    { "248", "Seychelles" },
    { "249", "Sudan" },
    { "250", "Rwanda" },
    { "251", "Ethiopia" },
    { "252", "Somalia" },
    { "253", "Djibouti" },
    { "254", "Kenya" },
    { "255", "Tanzania" },
    { "256", "Uganda" },
    { "257", "Burundi" },
    { "258", "Mozambique" },
    { "260", "Zambia" },
    { "261", "Madagascar" },
    { "262", "Reunion, Mayotte" },
    { "263", "Zimbabwe" },
    { "264", "Namibia" },
    { "265", "Malawi" },
    { "266", "Lesotho" },
    { "267", "Botswana" },
    { "268", "Eswatini" },
    { "269", "Comoros" },
    { "27", "South Africa" },
    { "290", "Saint Helena, Tristan da Cunha" },
    { "291", "Eritrea" },
    { "297", "Aruba" },
    { "298", "Faroe Islands" },
    { "299", "Greenland" },
    { "30", "Greece" },
    { "31", "Netherlands" },
    { "32", "Belgium" },
    { "33", "France" },
    { "34", "Spain" },
    { "350", "Gibraltar" },
    { "351", "Portugal" },
    { "352", "Luxembourg" },
    { "353", "Ireland" },
    { "354", "Iceland" },
    { "355", "Albania" },
    { "356", "Malta" },
    { "357", "Cyprus" },
    { "358", "Finland" },
    { "359", "Bulgaria" },
    { "36", "Hungary" },
    { "370", "Lithuania" },
    { "371", "Latvia" },
    { "372", "Estonia" },
    { "373", "Moldova" },
    { "374", "Armenia" },
    { "375", "Belarus" },
    { "376", "Andorra" },
    { "377", "Monaco" },
    { "378", "San Marino" },
    { "379", "Vatican City State (reserved)" },
    { "380", "Ukraine" },
    { "381", "Serbia" },
    { "382", "Montenegro" },
    { "383", "Kosovo" },
    { "385", "Croatia" },
    { "386", "Slovenia" },
    { "387", "Bosnia and Herzegovina" },
    { "389", "North Macedonia" },
    { "39", "Italy, Vatican City State" },
    { "40", "Romania" },
    { "41", "Switzerland" },
    { "420", "Czech Republic" },
    { "421", "Slovakia" },
    { "423", "Liechtenstein" },
    { "43", "Austria" },
    { "44", "United Kingdom" },
    { "45", "Denmark" },
    { "46", "Sweden" },
    { "47", "Norway" },
    { "48", "Poland" },
    { "49", "Germany" },
    { "500", "Falkland Islands" },
    { "501", "Belize" },
    { "502", "Guatemala" },
    { "503", "El Salvador" },
    { "504", "Honduras" },
    { "505", "Nicaragua" },
    { "506", "Costa Rica" },
    { "507", "Panama" },
    { "508", "Saint Pierre and Miquelon" },
    { "509", "Haiti" },
    { "51", "Peru" },
    { "52", "Mexico" },
    { "53", "Cuba" },
    { "54", "Argentina" },
    { "55", "Brazil" },
    { "56", "Chile" },
    { "57", "Colombia" },
    { "58", "Venezuela" },
    { "590", "Guadeloupe, Saint Barthelemy, Saint Martin" },
    { "591", "Bolivia" },
    { "592", "Guyana" },
    { "593", "Ecuador" },
    { "594", "French Guiana" },
    { "595", "Paraguay" },
    { "596", "Martinique" },
    { "597", "Suriname" },
    { "598", "Uruguay" },
    { "599", "Curacao, Caribbean Netherlands" },
    { "60", "Malaysia" },
    { "61", "Australia" },
    { "62", "Indonesia" },
    { "63", "Philippines" },
    { "64", "New Zealand" },
    { "65", "Singapore" },
    { "66", "Thailand" },
    { "670", "Timor-Leste" },
    { "672", "Australian External Territories" },
    { "673", "Brunei Darussalam" },
    { "674", "Nauru" },
    { "675", "Papua New Guinea" },
    { "676", "Tonga" },
    { "677", "Solomon Islands" },
    { "678", "Vanuatu" },
    { "679", "Fiji" },
    { "680", "Palau" },
    { "681", "Wallis and Futuna" },
    { "682", "Cook Islands" },
    { "683", "Niue" },
    { "685", "Samoa" },
    { "686", "Kiribati" },
    { "687", "New Caledonia" },
    { "688", "Tuvalu" },
    { "689", "French Polynesia" },
    { "690", "Tokelau" },
    { "691", "Micronesia" },
    { "692", "Marshall Islands" },
    { "7", "Russian Federation, Kazakhstan" },
    { "800", "International Freephone Service" },
    { "808", "International Shared Cost Service" },
    { "81", "Japan" },
    { "82", "Korea (Republic of)" },
    { "84", "Viet Nam" },
    { "850", "Korea (Democratic People's Republic of)" },
    { "852", "Hong Kong, China" },
    { "853", "Macao, China" },
    { "855", "Cambodia" },
    { "856", "Lao People's Democratic Republic" },
    { "86", "China" },
    { "870", "Inmarsat SNAC" },
    { "880", "Bangladesh" },
    { "881", "Global Mobile Satellite System" },
    { "882", "International Networks" },
    { "883", "International Networks" },
    { "886", "Taiwan, China" },
    { "888", "Telecommunications for Disaster Relief (OCHA)" },
    { "90", "Turkiye" },
    { "91", "India" },
    { "92", "Pakistan" },
    { "93", "Afghanistan" },
    { "94", "Sri Lanka" },
    { "95", "Myanmar" },
    { "960", "Maldives" },
    { "961", "Lebanon" },
    { "962", "Jordan" },
    { "963", "Syrian Arab Republic" },
    { "964", "Iraq" },
    { "965", "Kuwait" },
    { "966", "Saudi Arabia" },
    { "967", "Yemen" },
    { "968", "Oman" },
    { "970", "Palestine" },
    { "971", "United Arab Emirates" },
    { "972", "Israel" },
    { "973", "Bahrain" },
    { "974", "Qatar" },
    { "975", "Bhutan" },
    { "976", "Mongolia" },
    { "977", "Nepal" },
    { "979", "International Premium Rate Service" },
    { "98", "Iran" },
    { "992", "Tajikistan" },
    { "993", "Turkmenistan" },
    { "994", "Azerbaijan" },
    { "995", "Georgia" },
    { "996", "Kyrgyzstan" },
    { "998", "Uzbekistan" },
};

/* Index of the entry equal to p[0..len), or -1. */
static ptrdiff_t find_exact(const char *p, size_t len)
{
    size_t lo = 0;
    size_t hi = SW_ARRAY_LEN(cc_table);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *c = cc_table[mid].cc;
        size_t clen = strlen(c);
        int r = memcmp(c, p, SW_MIN(clen, len));
        if (r == 0) {
            r = clen < len ? -1 : (clen > len ? 1 : 0);
        }
        if (r == 0) {
            return (ptrdiff_t)mid;
        }
        if (r < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

size_t route_cc_match(struct sv digits, char cc[ROUTE_CC_MAX_LEN + 1])
{
    for (size_t len = 1; len <= ROUTE_CC_MAX_LEN && len <= digits.len; len++) {
        char c = digits.p[len - 1];
        if (c < '0' || c > '9') {
            return 0;
        }
        if (find_exact(digits.p, len) >= 0) {
            if (cc) {
                memcpy(cc, digits.p, len);
                cc[len] = '\0';
            }
            return len;
        }
    }
    return 0;
}

bool route_cc_is_assigned(struct sv cc)
{
    return route_cc_name(cc) != NULL;
}

const char *route_cc_name(struct sv cc)
{
    if (cc.len == 0 || cc.len > ROUTE_CC_MAX_LEN) {
        return NULL;
    }
    for (size_t i = 0; i < cc.len; i++) {
        if (cc.p[i] < '0' || cc.p[i] > '9') {
            return NULL;
        }
    }
    ptrdiff_t i = find_exact(cc.p, cc.len);
    return i < 0 ? NULL : cc_table[i].name;
}

size_t route_cc_count(void)
{
    return SW_ARRAY_LEN(cc_table);
}

const char *route_cc_at(size_t i)
{
    return i < SW_ARRAY_LEN(cc_table) ? cc_table[i].cc : NULL;
}
