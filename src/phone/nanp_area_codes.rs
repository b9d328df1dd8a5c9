//! North American Numbering Plan area codes (+1) and the time zone most of their
//! callers live in. Where an area code straddles a zone line (western Florida's 850,
//! western Kentucky, Idaho's panhandle, north-western Ontario's 807) the zone of the
//! larger population wins. Codes spanning several zones (867: Yukon, NWT, Nunavut) are
//! left out, so the campaign's zone applies. Caribbean members of the NANP are listed
//! too: their area code is their country.

use chrono_tz::{America, Atlantic, Pacific, Tz};

/// `(zone, area codes)`, grouped by state or province as a reader checks them.
pub(super) const AREA_CODES: &[(Tz, &[u16])] = &[
    // United States, Eastern
    (America::New_York, &[203, 475, 860, 959]), // Connecticut
    (America::New_York, &[302]),                // Delaware
    (America::New_York, &[202, 771]),           // District of Columbia
    (
        America::New_York, // Florida (peninsula)
        &[
            239, 305, 321, 324, 352, 386, 407, 561, 645, 656, 689, 727, 728, 754, 772, 786, 813,
            863, 904, 941, 954,
        ],
    ),
    (
        America::New_York,
        &[229, 404, 470, 478, 678, 706, 762, 770, 912, 943],
    ), // Georgia
    (
        America::Indiana::Indianapolis,
        &[260, 317, 463, 574, 765, 812, 930],
    ), // Indiana
    (America::New_York, &[502, 606, 859]), // Kentucky (east)
    (America::New_York, &[207]),           // Maine
    (America::New_York, &[227, 240, 301, 410, 443, 667]), // Maryland
    (
        America::New_York,
        &[339, 351, 413, 508, 617, 774, 781, 857, 978],
    ), // Massachusetts
    (
        America::Detroit,
        &[
            231, 248, 269, 313, 517, 586, 616, 679, 734, 810, 906, 947, 989,
        ],
    ), // Michigan
    (America::New_York, &[603]),           // New Hampshire
    (
        America::New_York,
        &[201, 551, 609, 640, 732, 848, 856, 862, 908, 973],
    ), // New Jersey
    (
        America::New_York, // New York
        &[
            212, 315, 329, 332, 347, 363, 516, 518, 585, 607, 624, 631, 646, 680, 716, 718, 838,
            845, 914, 917, 929, 934,
        ],
    ),
    (
        America::New_York,
        &[252, 336, 472, 704, 743, 828, 910, 919, 980, 984],
    ), // North Carolina
    (
        America::New_York,
        &[
            216, 220, 234, 283, 326, 330, 380, 419, 436, 440, 513, 567, 614, 740, 937,
        ],
    ), // Ohio
    (
        America::New_York, // Pennsylvania
        &[
            215, 223, 267, 272, 412, 445, 484, 570, 582, 610, 717, 724, 814, 835, 878,
        ],
    ),
    (America::New_York, &[401]),                          // Rhode Island
    (America::New_York, &[803, 821, 839, 843, 854, 864]), // South Carolina
    (America::New_York, &[423, 729, 865]),                // Tennessee (east)
    (America::New_York, &[802]),                          // Vermont
    (
        America::New_York,
        &[276, 434, 540, 571, 703, 757, 804, 826, 948],
    ), // Virginia
    (America::New_York, &[304, 681]),                     // West Virginia
    // United States, Central
    (America::Chicago, &[205, 251, 256, 334, 659, 938]), // Alabama
    (America::Chicago, &[327, 479, 501, 870]),           // Arkansas
    (America::Chicago, &[448, 850]),                     // Florida panhandle
    (
        America::Chicago, // Illinois
        &[
            217, 224, 309, 312, 331, 447, 464, 618, 630, 708, 730, 773, 779, 815, 847, 861, 872,
        ],
    ),
    (America::Chicago, &[219]),                     // Indiana (north-west)
    (America::Chicago, &[319, 515, 563, 641, 712]), // Iowa
    (America::Chicago, &[316, 620, 785, 913]),      // Kansas
    (America::Chicago, &[270, 364]),                // Kentucky (west)
    (America::Chicago, &[225, 318, 337, 457, 504, 985]), // Louisiana
    (America::Chicago, &[218, 320, 507, 612, 651, 763, 924, 952]), // Minnesota
    (America::Chicago, &[228, 601, 662, 769]),      // Mississippi
    (
        America::Chicago,
        &[235, 314, 417, 557, 573, 636, 660, 816, 975],
    ), // Missouri
    (America::Chicago, &[308, 402, 531]),           // Nebraska
    (America::Chicago, &[701]),                     // North Dakota
    (America::Chicago, &[405, 539, 572, 580, 918]), // Oklahoma
    (America::Chicago, &[605]),                     // South Dakota
    (America::Chicago, &[615, 629, 731, 901, 931]), // Tennessee (middle, west)
    (
        America::Chicago, // Texas
        &[
            210, 214, 254, 281, 325, 346, 361, 409, 430, 432, 469, 512, 682, 713, 726, 737, 806,
            817, 830, 832, 903, 936, 940, 945, 956, 972, 979,
        ],
    ),
    (America::Chicago, &[262, 274, 353, 414, 534, 608, 715, 920]), // Wisconsin
    // United States, Mountain
    (America::Phoenix, &[480, 520, 602, 623, 928]), // Arizona (no DST)
    (America::Denver, &[303, 719, 720, 970, 983]),  // Colorado
    (America::Boise, &[208, 986]),                  // Idaho
    (America::Denver, &[406]),                      // Montana
    (America::Denver, &[505, 575]),                 // New Mexico
    (America::Denver, &[915]),                      // Texas (El Paso)
    (America::Denver, &[385, 435, 801]),            // Utah
    (America::Denver, &[307]),                      // Wyoming
    // United States, Pacific and beyond
    (
        America::Los_Angeles, // California
        &[
            209, 213, 279, 310, 323, 341, 350, 369, 408, 415, 424, 442, 510, 530, 559, 562, 619,
            626, 628, 650, 657, 661, 669, 707, 714, 738, 747, 760, 805, 818, 820, 831, 840, 858,
            909, 916, 925, 949, 951,
        ],
    ),
    (America::Los_Angeles, &[702, 725, 775]),      // Nevada
    (America::Los_Angeles, &[458, 503, 541, 971]), // Oregon
    (America::Los_Angeles, &[206, 253, 360, 425, 509, 564]), // Washington
    (America::Anchorage, &[907]),                  // Alaska
    (Pacific::Honolulu, &[808]),                   // Hawaii
    (America::Puerto_Rico, &[787, 939]),           // Puerto Rico
    (America::St_Thomas, &[340]),                  // US Virgin Islands
    (Pacific::Guam, &[671]),                       // Guam
    (Pacific::Saipan, &[670]),                     // Northern Mariana Islands
    (Pacific::Pago_Pago, &[684]),                  // American Samoa
    // Canada
    (America::Vancouver, &[236, 250, 604, 672, 778]), // British Columbia
    (America::Edmonton, &[368, 403, 587, 780, 825]),  // Alberta
    (America::Regina, &[306, 474, 639]),              // Saskatchewan (no DST)
    (America::Winnipeg, &[204, 431, 584]),            // Manitoba
    (
        America::Toronto, // Ontario
        &[
            226, 249, 289, 343, 365, 382, 416, 437, 519, 548, 613, 647, 683, 705, 742, 753, 807,
            905, 942,
        ],
    ),
    (
        America::Toronto,
        &[263, 354, 367, 418, 438, 450, 468, 514, 579, 581, 819, 873],
    ), // Quebec
    (America::Moncton, &[428, 506]),  // New Brunswick
    (America::Halifax, &[782, 902]),  // Nova Scotia, PEI
    (America::St_Johns, &[709, 879]), // Newfoundland and Labrador
    // Caribbean members of the NANP
    (America::Nassau, &[242]),                  // Bahamas
    (America::Barbados, &[246]),                // Barbados
    (America::Anguilla, &[264]),                // Anguilla
    (America::Antigua, &[268]),                 // Antigua and Barbuda
    (America::Tortola, &[284]),                 // British Virgin Islands
    (America::Cayman, &[345]),                  // Cayman Islands
    (Atlantic::Bermuda, &[441]),                // Bermuda
    (America::Grenada, &[473]),                 // Grenada
    (America::Grand_Turk, &[649]),              // Turks and Caicos
    (America::Montserrat, &[664]),              // Montserrat
    (America::Lower_Princes, &[721]),           // Sint Maarten
    (America::St_Lucia, &[758]),                // Saint Lucia
    (America::Dominica, &[767]),                // Dominica
    (America::St_Vincent, &[784]),              // Saint Vincent
    (America::Santo_Domingo, &[809, 829, 849]), // Dominican Republic
    (America::Port_of_Spain, &[868]),           // Trinidad and Tobago
    (America::St_Kitts, &[869]),                // Saint Kitts and Nevis
    (America::Jamaica, &[658, 876]),            // Jamaica
];
