"""Every code the FHIR reader understands, with its display text and where it was looked up.

Why a table and nothing else: a code that is not here is never guessed at. The reader leaves
the field unknown (it shows as missing information) and lists the resource as ignored.
`docs/fhir-mapping.md` prints this table; a test keeps the two identical.

Each entry: (system, code, display, role, meaning, source). ``role`` says where the reader
looks for the code; ``meaning`` is what it gives the case (a site, a primary cancer, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
CPT = "http://www.ama-assn.org/go/cpt"

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILE_PRIMARY = MCODE + "mcode-primary-cancer-condition"
PROFILE_SECONDARY = MCODE + "mcode-secondary-cancer-condition"
PROFILE_SURGERY = MCODE + "mcode-cancer-related-surgical-procedure"
PROFILE_RADIOTHERAPY = MCODE + "mcode-radiotherapy-course-summary"
EXT_HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"
EXT_RELATED_PRIMARY = "http://hl7.org/fhir/StructureDefinition/condition-related"
EXT_TERMINATION_REASON = MCODE + "mcode-treatment-termination-reason"

# Where each table entry was read (files of the fetched repositories at the named commit, or pages).
_MCODE_REPO = "github.com/HL7/fhir-mCODE-ig@543477b5"
SRC_MCODE_RT_LOCATION = f"{_MCODE_REPO} input/fsh/VS_Radiotherapy.fsh (RadiotherapyTreatmentLocationVS)"
SRC_MCODE_BASIC = f"{_MCODE_REPO} input/fsh/EX_Basic.fsh"
SRC_MCODE_TUMOR_SIZE_EX = f"{_MCODE_REPO} input/fsh/EX_TumorSize.fsh"
SRC_MCODE_EXTENDED = f"{_MCODE_REPO} input/fsh/EX_ExtendedExample.fsh"
SRC_MCODE_PEDIATRIC = f"{_MCODE_REPO} input/fsh/EX_ExtendedExample_Pediatric.fsh"
SRC_MCODE_STAGING_OTHER = f"{_MCODE_REPO} input/fsh/EX_Staging_Other.fsh"
SRC_MCODE_CONDITION_VS = f"{_MCODE_REPO} input/fsh/VS_CancerCondition.fsh"
SRC_MCODE_TUMOR_SIZE = f"{_MCODE_REPO} input/fsh/SD_TumorSize.fsh"
SRC_MCODE_OTHER_VS = f"{_MCODE_REPO} input/fsh/VS_Other.fsh"
SRC_MCODE_PERFORMANCE = f"{_MCODE_REPO} input/fsh/SD_PerformanceStatus.fsh"
SRC_MCODE_RADIOTHERAPY = f"{_MCODE_REPO} input/fsh/SD_Radiotherapy.fsh"
_EHDSI = "github.com/hl7-eu/EHDSI-Terminology-package@25202ea6 input/fsh/valuesets/mvc/"
SRC_EHDSI_MORPHOLOGY = _EHDSI + "eHDSIMorphologicAbnormality.fsh"
SRC_EHDSI_PROCEDURE = _EHDSI + "eHDSIProcedure.fsh"
SRC_EHDSI_DISORDER = _EHDSI + "eHDSIIllnessandDisorder.fsh"
_DICOM = "github.com/bvdh/dicom-terminology-in-fhir@9f098270 input/fsh/"
SRC_DICOM_SKIN = _DICOM + "ValueSet-dicom-cid-4409-SkinProcedure.fsh (DICOM CID 4409)"
SRC_DICOM_PELVIC = _DICOM + "ValueSet-dicom-cid-6320-AbdominopelvicIntervention.fsh (DICOM CID 6320)"
SRC_PAIN = ("github.com/hl7-eu/eps _attic/examples-new/1cdebaff-a26d-404e-9cc1-51246e489456.fsh; "
            "github.com/hl7-be/patient-monitoring input/fsh/valuesets/ScalePain.fsh")
SRC_BONE_METASTASIS = "HL7 Lithuania profile BoneMetastasisLtProstate (FSH, code 94222008; found by exact-text search)"
SRC_TX_LUNG_CRYO = "https://tx-dev.fhir.org/snomed/11000146104-20240930/?id=708861007&type=snomed"
SRC_TX_LIVER_RFA = "http://35.223.3.115/snomed/2011000195101-20230607/?id=708625004&type=snomed (tx.fhir.org page)"
SRC_HA_CRYO = "https://www.healthassure.in/codes/snomed_ct-1204278004-fluoroscopy-guided-cryoablation-of-lesion"
SRC_HA_BONE_RFA = ("https://www.healthassure.in/codes/"
                   "snomed_ct-438791002-ct-guided-percutaneous-radiofrequency-ablation-of-neoplasm-of-bone")
SRC_CPT_55873 = ("https://genhealth.ai/code/cpt4/55873-cryosurgical-ablation-of-the-prostate-includes-"
                 "ultrasonic-guidance-and-monitoring; https://webhooks.codingahead.com/cpt/codes/55873")


@dataclass(frozen=True)
class Code:
    system: str
    code: str
    display: str
    role: str  # body_site, condition, histology, observation, component, unit, procedure, medication, reason
    meaning: tuple[tuple[str, str], ...]  # e.g. (("site", "lung"), ("primary_cancer", "lung"))
    source: str

    def get(self, key: str) -> str | None:
        return dict(self.meaning).get(key)


def _c(system: str, code: str, display: str, role: str, source: str, **meaning: str) -> Code:
    return Code(system, code, display, role, tuple(meaning.items()), source)


S, L = SNOMED, LOINC
RT = SRC_MCODE_RT_LOCATION

CODES: tuple[Code, ...] = (
    # ---- body sites (Condition.bodySite, Procedure.bodySite, Observation.bodySite, BodyStructure.location)
    _c(S, "39607008", "Lung structure (body structure)", "body_site", RT + "; " + SRC_MCODE_BASIC,
       site="lung", primary_cancer="lung"),
    _c(S, "10200004", "Liver structure (body structure)", "body_site", RT, site="liver", primary_cancer="other"),
    _c(S, "64033007", "Kidney structure (body structure)", "body_site", RT, site="kidney", primary_cancer="kidney"),
    _c(S, "41216001", "Prostatic structure (body structure)", "body_site", RT,
       site="prostate", primary_cancer="prostate"),
    _c(S, "39937001", "Skin structure (body structure)", "body_site", RT, site="skin", primary_cancer="other"),
    _c(S, "119186007", "Bone part (body structure)", "body_site", RT, site="bone"),
    _c(S, "71341001", "Bone structure of femur (body structure)", "body_site", RT, site="bone"),
    _c(S, "85050009", "Bone structure of humerus (body structure)", "body_site", RT, site="bone"),
    _c(S, "113197003", "Bone structure of rib (body structure)", "body_site", RT, site="bone"),
    _c(S, "35769007", "Bone structure of thoracic vertebra (body structure)", "body_site", RT, site="bone"),
    _c(S, "73903008", "Bone structure of lumbar vertebra (body structure)", "body_site", RT, site="bone"),
    _c(S, "118645006", "Structure of innominate bone and/or sacrum and/or coccyx (body structure)", "body_site",
       RT, site="bone"),
    _c(S, "76752008", "Breast structure (body structure)", "body_site", RT, site="other", primary_cancer="breast"),
    _c(S, "80248007", "Left breast structure (body structure)", "body_site", SRC_MCODE_TUMOR_SIZE_EX,
       site="other", primary_cancer="breast"),
    _c(S, "69748006", "Thyroid structure (body structure)", "body_site", RT, site="other", primary_cancer="thyroid"),
    # ---- cancer conditions (Condition.code)
    _c(S, "363346000", "Malignant neoplastic disease (disorder)", "condition", SRC_MCODE_TUMOR_SIZE_EX,
       kind="primary"),
    _c(S, "254637007", "Non-small cell lung cancer (disorder)", "condition", SRC_MCODE_BASIC,
       kind="primary", site="lung", primary_cancer="lung"),
    _c(S, "254837009", "Malignant neoplasm of breast (disorder)", "condition", SRC_MCODE_EXTENDED,
       kind="primary", site="other", primary_cancer="breast"),
    _c(S, "353431000119107", "Primary malignant neoplasm of female left breast (disorder)", "condition",
       SRC_MCODE_EXTENDED, kind="primary", site="other", primary_cancer="breast"),
    _c(S, "372137005", "Primary malignant neoplasm of breast (disorder)", "condition", SRC_MCODE_PEDIATRIC,
       kind="primary", site="other", primary_cancer="breast"),
    _c(S, "128462008", "Metastatic malignant neoplasm (disorder)", "condition",
       SRC_MCODE_STAGING_OTHER + "; " + SRC_MCODE_CONDITION_VS + " (SecondaryCancerDisorderVS)", kind="secondary"),
    _c(S, "94222008", "Secondary malignant neoplasm of bone (disorder)", "condition", SRC_BONE_METASTASIS,
       kind="secondary", site="bone"),
    _c(ICD10CM, "C61", "Malignant neoplasm of prostate", "condition", SRC_MCODE_CONDITION_VS,
       kind="primary", site="prostate", primary_cancer="prostate"),
    _c(ICD10CM, "C64.1", "Malignant neoplasm of right kidney, except renal pelvis", "condition",
       SRC_MCODE_CONDITION_VS, kind="primary", site="kidney", primary_cancer="kidney"),
    _c(ICD10CM, "C64.2", "Malignant neoplasm of left kidney, except renal pelvis", "condition",
       SRC_MCODE_CONDITION_VS, kind="primary", site="kidney", primary_cancer="kidney"),
    _c(ICD10CM, "C64.9", "Malignant neoplasm of unspecified kidney, except renal pelvis", "condition",
       SRC_MCODE_CONDITION_VS, kind="primary", site="kidney", primary_cancer="kidney"),
    _c(ICD10CM, "C22.0", "Liver cell carcinoma", "condition", SRC_MCODE_CONDITION_VS,
       kind="primary", site="liver", primary_cancer="other"),
    _c(ICD10CM, "C22.8", "Malignant neoplasm of liver, primary, unspecified as to type", "condition",
       SRC_MCODE_CONDITION_VS, kind="primary", site="liver", primary_cancer="other"),
    *(_c(ICD10CM, code, display, "condition", SRC_MCODE_CONDITION_VS, kind="primary", site="lung",
         primary_cancer="lung") for code, display in (
        ("C34.10", "Malignant neoplasm of upper lobe, unspecified bronchus or lung"),
        ("C34.11", "Malignant neoplasm of upper lobe, right bronchus or lung"),
        ("C34.12", "Malignant neoplasm of upper lobe, left bronchus or lung"),
        ("C34.2", "Malignant neoplasm of middle lobe, bronchus or lung"),
        ("C34.30", "Malignant neoplasm of lower lobe, unspecified bronchus or lung"),
        ("C34.31", "Malignant neoplasm of lower lobe, right bronchus or lung"),
        ("C34.32", "Malignant neoplasm of lower lobe, left bronchus or lung"),
        ("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung"),
        ("C34.91", "Malignant neoplasm of unspecified part of right bronchus or lung"),
        ("C34.92", "Malignant neoplasm of unspecified part of left bronchus or lung"),
    )),
    _c(ICD10CM, "C43.9", "Malignant melanoma of skin, unspecified", "condition", SRC_MCODE_CONDITION_VS,
       kind="primary", site="skin", primary_cancer="other", histology="melanoma"),
    *(_c(ICD10CM, code, display, "condition", SRC_MCODE_CONDITION_VS, kind="primary", site="other",
         primary_cancer="breast") for code, display in (
        ("C50.911", "Malignant neoplasm of unspecified site of right female breast"),
        ("C50.912", "Malignant neoplasm of unspecified site of left female breast"),
        ("C50.919", "Malignant neoplasm of unspecified site of unspecified female breast"),
    )),
    _c(ICD10CM, "C73", "Malignant neoplasm of thyroid gland", "condition", SRC_MCODE_CONDITION_VS,
       kind="primary", site="other", primary_cancer="thyroid"),
    _c(ICD10CM, "C79.5", "Secondary malignant neoplasm of bone and bone marrow", "condition",
       SRC_MCODE_CONDITION_VS, kind="secondary", site="bone"),
    _c(ICD10CM, "C79.51", "Secondary malignant neoplasm of bone", "condition", SRC_MCODE_CONDITION_VS,
       kind="secondary", site="bone"),
    _c(ICD10, "C22", "Malignant neoplasm of liver and intrahepatic bile ducts", "condition", SRC_EHDSI_DISORDER,
       kind="primary", site="liver", primary_cancer="other"),
    _c(ICD10, "C34", "Malignant neoplasm of bronchus and lung", "condition", SRC_EHDSI_DISORDER,
       kind="primary", site="lung", primary_cancer="lung"),
    _c(ICD10, "C43", "Malignant melanoma of skin", "condition", SRC_EHDSI_DISORDER,
       kind="primary", site="skin", primary_cancer="other", histology="melanoma"),
    _c(ICD10, "C50", "Malignant neoplasm of breast", "condition", SRC_EHDSI_DISORDER,
       kind="primary", site="other", primary_cancer="breast"),
    _c(ICD10, "C61", "Malignant neoplasm of prostate", "condition", SRC_EHDSI_DISORDER,
       kind="primary", site="prostate", primary_cancer="prostate"),
    _c(ICD10, "C64", "Malignant neoplasm of kidney, except renal pelvis", "condition", SRC_EHDSI_DISORDER,
       kind="primary", site="kidney", primary_cancer="kidney"),
    _c(ICD10, "C73", "Malignant neoplasm of thyroid gland", "condition", SRC_EHDSI_DISORDER,
       kind="primary", site="other", primary_cancer="thyroid"),
    _c(ICD10, "C79.5", "Secondary malignant neoplasm of bone and bone marrow", "condition", SRC_EHDSI_DISORDER,
       kind="secondary", site="bone"),
    # ---- histology (Condition extension mcode-histology-morphology-behavior), read for skin only
    _c(S, "1338007", "Basal cell carcinoma", "histology", SRC_EHDSI_MORPHOLOGY, histology="basal_cell_carcinoma"),
    _c(S, "1162767002", "Squamous cell carcinoma", "histology", SRC_EHDSI_MORPHOLOGY,
       histology="squamous_cell_carcinoma"),
    _c(S, "1162635006", "Malignant melanoma", "histology", SRC_EHDSI_MORPHOLOGY, histology="melanoma"),
    # ---- observations (Observation.code) and the tumor size component
    _c(L, "21889-1", "Size Tumor", "observation", SRC_MCODE_TUMOR_SIZE, field="tumor.size"),
    _c(L, "33728-7", "Size.maximum dimension in Tumor", "component", SRC_MCODE_TUMOR_SIZE,
       field="tumor.size"),
    _c(L, "89247-1", "ECOG Performance Status score", "observation", SRC_MCODE_PERFORMANCE, field="ecog"),
    _c(L, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", "observation", SRC_PAIN,
       field="symptoms.pain_score"),
    _c(UCUM, "mm", "Millimeter", "unit", SRC_MCODE_OTHER_VS + " (TumorSizeUnitsVS)", field="tumor.size_mm"),
    _c(UCUM, "cm", "Centimeter", "unit", SRC_MCODE_OTHER_VS + " (TumorSizeUnitsVS)", field="tumor.size_cm"),
    # ---- procedures: cryoablation (history.prior_cryoablation; order-select draft orders)
    _c(S, "708861007", "Percutaneous cryoablation of lung (procedure)", "procedure", SRC_TX_LUNG_CRYO,
       treatment="cryoablation", site="lung"),
    _c(S, "1204278004", "Fluoroscopy guided cryoablation of lesion", "procedure", SRC_HA_CRYO,
       treatment="cryoablation"),
    _c(S, "302396003", "Cryotherapy to skin lesion", "procedure", SRC_DICOM_SKIN,
       treatment="cryoablation", site="skin"),
    _c(NCIT, "C15215", "Cryoablation", "procedure", SRC_DICOM_PELVIC, treatment="cryoablation"),
    _c(CPT, "55873", "Cryosurgical ablation of the prostate (includes ultrasonic guidance and monitoring)",
       "procedure", SRC_CPT_55873, treatment="cryoablation", site="prostate"),
    # ---- procedures: thermal ablation (order-select draft orders only)
    _c(S, "879916008", "Radiofrequency ablation", "procedure", SRC_DICOM_SKIN, treatment="thermal_ablation"),
    _c(S, "708625004", "Open radiofrequency ablation of lesion of liver (procedure)", "procedure",
       SRC_TX_LIVER_RFA, treatment="thermal_ablation", site="liver"),
    _c(S, "438791002", "CT guided percutaneous radiofrequency ablation of neoplasm of bone", "procedure",
       SRC_HA_BONE_RFA, treatment="thermal_ablation", site="bone"),
    _c(NCIT, "C68681", "Focused ultrasound ablation", "procedure", SRC_DICOM_PELVIC,
       treatment="thermal_ablation"),
    # ---- procedures: radiotherapy, chemotherapy, surgery
    _c(S, "1217123003", "Radiotherapy course of treatment (regime/therapy)", "procedure", SRC_MCODE_RADIOTHERAPY,
       treatment="radiation"),
    _c(S, "108290001", "Radiation oncology AND/OR radiotherapy", "procedure", SRC_EHDSI_PROCEDURE,
       treatment="radiation"),
    _c(S, "152198000", "Brachytherapy", "procedure", SRC_EHDSI_PROCEDURE, treatment="radiation"),
    _c(S, "367336001", "Chemotherapy", "procedure", SRC_EHDSI_PROCEDURE, treatment="chemotherapy"),
    _c(S, "90470006", "Prostatectomy", "procedure", SRC_EHDSI_PROCEDURE, treatment="surgery", site="prostate"),
    _c(S, "26294005", "Radical prostatectomy", "procedure", SRC_EHDSI_PROCEDURE, treatment="surgery",
       site="prostate"),
    _c(S, "81516001", "Partial nephrectomy", "procedure", SRC_EHDSI_PROCEDURE, treatment="surgery", site="kidney"),
    _c(S, "175905003", "Total nephrectomy", "procedure", SRC_EHDSI_PROCEDURE, treatment="surgery", site="kidney"),
    _c(S, "173171007", "Lobectomy of lung", "procedure", SRC_EHDSI_PROCEDURE, treatment="surgery", site="lung"),
    _c(S, "359615001", "Partial lobectomy of lung (procedure)", "procedure", SRC_MCODE_BASIC, treatment="surgery",
       site="lung"),
    _c(S, "35646002", "Excision of lesion of skin", "procedure", SRC_EHDSI_PROCEDURE, treatment="surgery",
       site="skin"),
    # ---- medications (MedicationRequest / MedicationStatement / MedicationAdministration), RxNorm
    _c(RXNORM, "3639", "DOXOrubicin", "medication", SRC_MCODE_EXTENDED + " (chemotherapy medication)",
       treatment="chemotherapy"),
    _c(RXNORM, "3002", "cyclophosphamide", "medication", SRC_MCODE_EXTENDED + " (chemotherapy medication)",
       treatment="chemotherapy"),
    _c(RXNORM, "56946", "PACLitaxel", "medication", SRC_MCODE_EXTENDED + " (chemotherapy medication)",
       treatment="chemotherapy"),
    _c(RXNORM, "1790099", "10 ML doxorubicin hydrochloride 2 MG/ML Injection", "medication",
       SRC_MCODE_EXTENDED + " (chemotherapy medication)", treatment="chemotherapy"),
    _c(RXNORM, "309311", "cisplatin 1 MG/ML Injectable Solution", "medication", SRC_MCODE_BASIC + " (Chemo Infusion)",
       treatment="chemotherapy"),
    # ---- why a treatment stopped (statusReason, or the mCODE termination-reason extension)
    _c(S, "266721009", "No response to treatment (situation)", "reason",
       SRC_MCODE_OTHER_VS + " (TreatmentTerminationReasonVS)", outcome="did_not_work"),
)

_BY_KEY = MappingProxyType({(c.role, c.system, c.code): c for c in CODES})


def lookup(role: str, system: str | None, code: str | None) -> Code | None:
    """The table entry for a coding in a role, or None (never a guess: unknown codes stay unknown)."""
    if not system or not code:
        return None
    return _BY_KEY.get((role, system, code))


def rows() -> list[tuple[str, str, str, str, str, str]]:
    """The table as documentation rows: system, code, display, role, meaning, source."""
    return [(c.system, c.code, c.display, c.role, ", ".join(f"{k}={v}" for k, v in c.meaning), c.source)
            for c in CODES]
