"""Ningbo's ten districts and county-level cities with their sub-districts (街道) and towns (镇/乡), the
places the demo's primary medical institutions are named after, and a box of plausible coordinates
around each district's populated area (centre latitude/longitude and half-extent in degrees).

Counts per district follow population roughly (Yinzhou and Haishu largest, Zhenhai smallest) and sum
to 100. A 街道 has a community health service centre (社区卫生服务中心), a town a health centre (卫生院).
"""

# code, Chinese, English, (lat, lon), (half-height, half-width), primary institutions, places
DISTRICTS = [
    ("HS", "海曙区", "Haishu", (29.860, 121.470), (0.050, 0.110), 12, [
        ("鼓楼", "Gulou"), ("南门", "Nanmen"), ("江厦", "Jiangxia"), ("西门", "Ximen"), ("月湖", "Yuehu"),
        ("段塘", "Duantang"), ("望春", "Wangchun"), ("石碶", "Shiqi"), ("古林镇", "Gulin"),
        ("高桥镇", "Gaoqiao"), ("集士港镇", "Jishigang"), ("横街镇", "Hengjie"), ("鄞江镇", "Yinjiang")]),
    ("JB", "江北区", "Jiangbei", (29.925, 121.545), (0.035, 0.045), 8, [
        ("中马", "Zhongma"), ("白沙", "Baisha"), ("孔浦", "Kongpu"), ("文教", "Wenjiao"), ("庄桥", "Zhuangqiao"),
        ("洪塘", "Hongtang"), ("慈城镇", "Cicheng"), ("前江", "Qianjiang")]),
    ("ZH", "镇海区", "Zhenhai", (29.965, 121.650), (0.035, 0.060), 7, [
        ("招宝山", "Zhaobaoshan"), ("蛟川", "Jiaochuan"), ("骆驼", "Luotuo"), ("庄市", "Zhuangshi"),
        ("贵驷", "Guisi"), ("澥浦镇", "Xiepu"), ("九龙湖镇", "Jiulonghu")]),
    ("BL", "北仑区", "Beilun", (29.880, 121.860), (0.045, 0.110), 10, [
        ("新碶", "Xinqi"), ("小港", "Xiaogang"), ("大碶", "Daqi"), ("霞浦", "Xiapu"), ("柴桥", "Chaiqiao"),
        ("戚家山", "Qijiashan"), ("春晓", "Chunxiao"), ("梅山", "Meishan"), ("大榭", "Daxie"), ("白峰", "Baifeng")]),
    ("YZ", "鄞州区", "Yinzhou", (29.800, 121.600), (0.060, 0.100), 16, [
        ("中河", "Zhonghe"), ("首南", "Shounan"), ("钟公庙", "Zhonggongmiao"), ("潘火", "Panhuo"),
        ("下应", "Xiaying"), ("东胜", "Dongsheng"), ("百丈", "Baizhang"), ("明楼", "Minglou"), ("白鹤", "Baihe"),
        ("东柳", "Dongliu"), ("福明", "Fuming"), ("姜山镇", "Jiangshan"), ("五乡镇", "Wuxiang"),
        ("咸祥镇", "Xianxiang"), ("东钱湖镇", "Dongqianhu"), ("云龙镇", "Yunlong"), ("横溪镇", "Hengxi")]),
    ("FH", "奉化区", "Fenghua", (29.640, 121.400), (0.070, 0.110), 8, [
        ("锦屏", "Jinping"), ("岳林", "Yuelin"), ("江口", "Jiangkou"), ("西坞", "Xiwu"), ("萧王庙", "Xiaowangmiao"),
        ("溪口镇", "Xikou"), ("莼湖镇", "Chunhu"), ("尚田镇", "Shangtian")]),
    ("YY", "余姚市", "Yuyao", (30.040, 121.160), (0.070, 0.140), 11, [
        ("凤山", "Fengshan"), ("阳明", "Yangming"), ("梨洲", "Lizhou"), ("兰江", "Lanjiang"), ("朗霞", "Langxia"),
        ("陆埠镇", "Lubu"), ("泗门镇", "Simen"), ("马渚镇", "Mazhu"), ("丈亭镇", "Zhangting"),
        ("梁弄镇", "Liangnong"), ("河姆渡镇", "Hemudu")]),
    ("CX", "慈溪市", "Cixi", (30.190, 121.280), (0.060, 0.150), 12, [
        ("浒山", "Hushan"), ("白沙路", "Baishalu"), ("古塘", "Gutang"), ("宗汉", "Zonghan"), ("坎墩", "Kandun"),
        ("观海卫镇", "Guanhaiwei"), ("周巷镇", "Zhouxiang"), ("龙山镇", "Longshan"), ("掌起镇", "Zhangqi"),
        ("逍林镇", "Xiaolin"), ("新浦镇", "Xinpu"), ("横河镇", "Henghe")]),
    ("NH", "宁海县", "Ninghai", (29.300, 121.430), (0.090, 0.120), 8, [
        ("跃龙", "Yuelong"), ("桃源", "Taoyuan"), ("梅林", "Meilin"), ("桥头胡", "Qiaotouhu"), ("长街镇", "Changjie"),
        ("西店镇", "Xidian"), ("前童镇", "Qiantong"), ("岔路镇", "Chalu")]),
    ("XS", "象山县", "Xiangshan", (29.470, 121.870), (0.090, 0.070), 8, [
        ("丹东", "Dandong"), ("丹西", "Danxi"), ("爵溪", "Juexi"), ("石浦镇", "Shipu"), ("西周镇", "Xizhou"),
        ("贤庠镇", "Xianxiang"), ("定塘镇", "Dingtang"), ("大徐镇", "Daxu")]),
]
