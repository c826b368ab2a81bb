/**
 * Scan protocols of the remote ultrasound centre: which standard views an exam needs, in which
 * order, how many of each, and what each image must show to be accepted. A protocol is versioned:
 * an edit makes a new version, and an exam keeps the version it ran on. The built-in protocols
 * below follow published view lists; each names its source.
 */
import { z } from 'zod';

/** Words for people, in both of Loupe's languages. */
export const Words = z.object({ en: z.string().trim().min(1).max(400), zh: z.string().trim().min(1).max(400) });
export type Words = z.infer<typeof Words>;

export const EXAM_TYPES = ['efast', 'cardiac', 'obstetric', 'abdominal', 'thyroid', 'other'] as const;
export type ExamType = (typeof EXAM_TYPES)[number];

export const ScanView = z
  .object({
    /** Stable within a protocol's versions: stills and QC statistics refer to it. */
    key: z.string().regex(/^[a-z0-9_]{1,48}$/),
    name: Words,
    required: z.boolean(),
    min: z.number().int().min(0).max(20),
    max: z.number().int().min(1).max(20),
    /** What the image must show to be accepted (the sonographer sees it beside the picture). */
    acceptance: Words,
  })
  .refine((v) => v.min <= v.max, { message: 'min must not exceed max', path: ['min'] })
  .refine((v) => !v.required || v.min >= 1, { message: 'a required view needs at least one image', path: ['min'] });
export type ScanView = z.infer<typeof ScanView>;

export const ScanProtocol = z
  .object({
    key: z.string().regex(/^[a-z0-9_-]{1,48}$/),
    version: z.number().int().min(1),
    examType: z.enum(EXAM_TYPES),
    name: Words,
    /** Where the view list comes from (guideline, paper), for the QC lead and the auditor. */
    source: z.string().trim().min(1).max(400),
    views: z.array(ScanView).min(1).max(40),
  })
  .refine((p) => new Set(p.views.map((v) => v.key)).size === p.views.length, { message: 'view keys must be unique', path: ['views'] });
export type ScanProtocol = z.infer<typeof ScanProtocol>;

const view = (key: string, en: string, zh: string, acceptanceEn: string, acceptanceZh: string, o: { required?: boolean; min?: number; max?: number } = {}): ScanView => {
  const required = o.required ?? true;
  return { key, name: { en, zh }, required, min: o.min ?? (required ? 1 : 0), max: o.max ?? 1, acceptance: { en: acceptanceEn, zh: acceptanceZh } };
};

export const BUILT_IN_PROTOCOLS: readonly ScanProtocol[] = [
  {
    key: 'efast',
    version: 1,
    examType: 'efast',
    name: { en: 'eFAST (extended focused assessment with sonography for trauma)', zh: 'eFAST（扩展创伤重点超声评估）' },
    source:
      'Kirkpatrick AW et al., Hand-held thoracic sonography for detecting post-traumatic pneumothoraces: the Extended Focused Assessment With Sonography For Trauma (EFAST). J Trauma 2004;57:288–295; ACEP Emergency Ultrasound Imaging Criteria Compendium, 2014.',
    views: [
      view('ruq', 'Right upper quadrant (hepatorenal, Morison’s pouch)', '右上腹（肝肾隐窝）', 'Liver and right kidney with the interface between them, the caudal tip of the liver and the right subphrenic space.', '显示肝脏与右肾及其间隙、肝下缘及右膈下间隙。'),
      view('luq', 'Left upper quadrant (splenorenal)', '左上腹（脾肾隐窝）', 'Spleen and left kidney with the interface between them, the caudal tip of the spleen and the left subphrenic space.', '显示脾脏与左肾及其间隙、脾下缘及左膈下间隙。'),
      view('pelvis', 'Pelvis (suprapubic)', '盆腔（耻骨上）', 'Bladder in transverse and longitudinal section, with the space behind it (rectovesical or rectouterine pouch).', '膀胱横切及纵切面，显示其后方陷凹（直肠膀胱陷凹或直肠子宫陷凹）。', { max: 2 }),
      view('subxiphoid', 'Subxiphoid cardiac', '剑突下心脏切面', 'All four chambers with the pericardium around the right ventricle.', '显示四个心腔及右心室周围心包。'),
      view('right_thorax', 'Right anterior thorax (pneumothorax)', '右前胸（气胸）', 'The pleural line between two ribs, with lung sliding assessable (M-mode if unsure).', '两肋间胸膜线，可评估肺滑动（必要时M型）。'),
      view('left_thorax', 'Left anterior thorax (pneumothorax)', '左前胸（气胸）', 'The pleural line between two ribs, with lung sliding assessable (M-mode if unsure).', '两肋间胸膜线，可评估肺滑动（必要时M型）。'),
    ],
  },
  {
    key: 'focused_cardiac',
    version: 1,
    examType: 'cardiac',
    name: { en: 'Focused cardiac ultrasound (FoCUS)', zh: '重点心脏超声（FoCUS）' },
    source:
      'Via G et al., International evidence-based recommendations for focused cardiac ultrasound. J Am Soc Echocardiogr 2014;27:683.e1–683.e33; Spencer KT et al., Focused cardiac ultrasound: recommendations from the American Society of Echocardiography. J Am Soc Echocardiogr 2013;26:567–581.',
    views: [
      view('plax', 'Parasternal long axis', '胸骨旁左室长轴切面', 'Left ventricle, mitral and aortic valves, outflow tract and right ventricular outflow; the pericardium behind the heart in depth.', '显示左心室、二尖瓣及主动脉瓣、左室流出道及右室流出道，深度包含心后心包。'),
      view('psax', 'Parasternal short axis (papillary muscles)', '胸骨旁左室短轴切面（乳头肌水平）', 'A round left ventricle with both papillary muscles.', '左心室呈圆形，可见两组乳头肌。'),
      view('a4c', 'Apical four-chamber', '心尖四腔心切面', 'All four chambers and both atrioventricular valves, the apex at the top and not foreshortened.', '显示四个心腔及两组房室瓣，心尖位于顶端且未缩短。'),
      view('subcostal', 'Subcostal four-chamber', '剑突下四腔心切面', 'All four chambers and the pericardium, the liver as window.', '以肝脏为声窗显示四个心腔及心包。'),
      view('ivc', 'Subcostal inferior vena cava', '剑突下下腔静脉切面', 'The inferior vena cava in long axis entering the right atrium, with its diameter over breathing.', '下腔静脉长轴汇入右心房，可观察呼吸时内径变化。'),
    ],
  },
  {
    key: 'ob_biometry',
    version: 1,
    examType: 'obstetric',
    name: { en: 'Obstetric biometry (BPD/HC, AC, FL)', zh: '产科胎儿生物测量（双顶径/头围、腹围、股骨长）' },
    source: 'Salomon LJ et al., ISUOG Practice Guidelines: ultrasound assessment of fetal biometry and growth. Ultrasound Obstet Gynecol 2019;53:715–723.',
    views: [
      view('head', 'Transthalamic plane (BPD, HC)', '经丘脑横切面（双顶径、头围）', 'Symmetrical head with the thalami and the cavum septi pellucidi, the cerebellum not in view; calipers for BPD and the ellipse for HC.', '颅骨对称，显示丘脑及透明隔腔，不显示小脑；测量双顶径及头围。'),
      view('abdomen', 'Abdominal circumference plane', '腹围切面', 'A round transverse section with the stomach bubble and the umbilical vein at the portal sinus, kidneys not in view; the ellipse on the skin line.', '腹部横切面呈圆形，显示胃泡及门静脉窦处脐静脉，不显示肾脏；沿皮肤外缘测量腹围。'),
      view('femur', 'Femur length', '股骨长切面', 'The femur nearest the probe with both ossified ends, at an angle under 45° to the horizontal.', '显示近探头侧股骨两端骨化部分，与水平线夹角小于45°。'),
    ],
  },
  {
    key: 'abdomen',
    version: 1,
    examType: 'abdominal',
    name: { en: 'Abdomen (liver, gallbladder, pancreas, kidneys, spleen)', zh: '腹部（肝、胆、胰、肾、脾）' },
    source:
      'AIUM Practice Parameter for the Performance of an Ultrasound Examination of the Abdomen and/or Retroperitoneum, 2022; 中国医师协会超声医师分会《中国腹部超声检查指南》，2017.',
    views: [
      view('liver_left', 'Liver, left lobe (longitudinal, with the aorta)', '肝左叶纵切面（含腹主动脉）', 'The left lobe in full length with the aorta behind it.', '肝左叶全长及其后方腹主动脉。'),
      view('liver_right_kidney', 'Liver, right lobe with the right kidney', '肝右叶与右肾纵切面', 'The right lobe and the right kidney, for their echogenicity side by side.', '肝右叶与右肾同一切面，对比回声。'),
      view('liver_veins', 'Liver, subcostal oblique (hepatic veins)', '右肋下斜切面（肝静脉）', 'The three hepatic veins entering the inferior vena cava.', '三支肝静脉汇入下腔静脉。'),
      view('gallbladder_long', 'Gallbladder, long axis', '胆囊长轴切面', 'The whole gallbladder from neck to fundus, wall measurable.', '胆囊颈至底部全貌，可测量壁厚。'),
      view('gallbladder_short', 'Gallbladder, short axis', '胆囊短轴切面', 'The gallbladder in cross-section.', '胆囊横断面。'),
      view('bile_duct', 'Common bile duct', '肝外胆管', 'The common duct over the portal vein, its diameter measured.', '门静脉前方胆总管，测量内径。', { required: false }),
      view('pancreas', 'Pancreas, transverse', '胰腺横切面', 'Head, body and tail with the splenic vein behind them.', '胰头、胰体、胰尾及其后方脾静脉。'),
      view('kidney_right', 'Right kidney, long axis', '右肾长轴切面', 'The whole kidney, its length measured.', '右肾全长，测量长径。'),
      view('kidney_left', 'Left kidney, long axis', '左肾长轴切面', 'The whole kidney, its length measured.', '左肾全长，测量长径。'),
      view('spleen', 'Spleen, long axis', '脾脏长轴切面', 'The spleen with the hilum, its length measured.', '脾脏及脾门，测量长径。'),
    ],
  },
  {
    key: 'thyroid',
    version: 1,
    examType: 'thyroid',
    name: { en: 'Thyroid', zh: '甲状腺' },
    source:
      'AIUM Practice Parameter for the Performance of a Thyroid and Parathyroid Ultrasound Examination, 2022; Tessler FN et al., ACR Thyroid Imaging, Reporting and Data System (TI-RADS). J Am Coll Radiol 2017;14:587–595.',
    views: [
      view('right_transverse', 'Right lobe, transverse (upper, mid, lower)', '右叶横切面（上、中、下）', 'The lobe in cross-section with the carotid artery and the trachea; width and depth measured at mid level.', '右叶横断面，显示颈总动脉及气管；中部测量宽径及厚径。', { max: 3 }),
      view('right_long', 'Right lobe, longitudinal', '右叶纵切面', 'The whole lobe from pole to pole, its length measured.', '右叶上下极全长，测量长径。'),
      view('isthmus', 'Isthmus, transverse', '峡部横切面', 'The isthmus over the trachea, its thickness measured.', '气管前方峡部，测量厚度。'),
      view('left_transverse', 'Left lobe, transverse (upper, mid, lower)', '左叶横切面（上、中、下）', 'The lobe in cross-section with the carotid artery and the trachea; width and depth measured at mid level.', '左叶横断面，显示颈总动脉及气管；中部测量宽径及厚径。', { max: 3 }),
      view('left_long', 'Left lobe, longitudinal', '左叶纵切面', 'The whole lobe from pole to pole, its length measured.', '左叶上下极全长，测量长径。'),
      view('lymph_nodes', 'Cervical lymph nodes', '颈部淋巴结', 'Any abnormal node in the central or lateral neck, with its level.', '中央区或侧颈部异常淋巴结，并注明分区。', { required: false, max: 6 }),
    ],
  },
];
