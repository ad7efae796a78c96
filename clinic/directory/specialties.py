"""The code list of departments and specialties (stable codes; names for display)."""

SPECIALTIES = {
    "general_medicine": ("General medicine", "全科"),
    "hypertension": ("Hypertension", "高血压"),
    "diabetes": ("Diabetes", "糖尿病"),
    "psychology": ("Psychology", "心理"),
    "paediatrics": ("Paediatrics", "儿科"),
    "cardiology": ("Cardiology", "心内科"),
    "endocrinology": ("Endocrinology", "内分泌科"),
    "respiratory": ("Respiratory medicine", "呼吸内科"),
    "gastroenterology": ("Gastroenterology", "消化内科"),
    "neurology": ("Neurology", "神经内科"),
    "dermatology": ("Dermatology", "皮肤科"),
    "gynaecology": ("Gynaecology", "妇科"),
    "orthopaedics": ("Orthopaedics", "骨科"),
    "ophthalmology": ("Ophthalmology", "眼科"),
    "ent": ("Ear, nose and throat", "耳鼻喉科"),
    "stomatology": ("Stomatology", "口腔科"),
    "tcm": ("Traditional Chinese medicine", "中医科"),
    "rehabilitation": ("Rehabilitation", "康复科"),
    "geriatrics": ("Geriatrics", "老年科"),
}
SPECIALTY_CODES = tuple(SPECIALTIES)
