"""One-off: write nianbao/demo/texts/*.txt from the corpus text dumps and excerpts (run once; the
output files are data and may be hand-edited). Usage: .venv/bin/python -m nianbao.demo.make_texts"""
import re, pathlib
C = pathlib.Path('/work/shared/corpus')
OUT = pathlib.Path(__file__).parent / 'texts'
def dump(name):
    t = (C/'pingtan_text'/name).read_text()
    return t.split('==================== 正文 ====================')[1]
def excerpt(name):
    t = (C/'excerpts'/name).read_text()
    return t.split('\n',1)[1]
SPLIT = r'(?=(?<![：:])[一二三四五六七八九十]、)|(?=（[一二三四五六七八九十]）)|\n+|(?<=。)\s+'
HEADS = ['一、总体情况','五、存在的主要问题及改进情况','六、其他需要报告的事项','（一）主动公开情况','（二）依申请公开情况','（一）主动公开','（二）依申请公开']
def paras(text):
    for h in HEADS: text = text.replace(h, '\n'+h+'\n', 1)
    out=[]
    for p in re.split(SPLIT, text):
        p = re.sub(r'\s+', '', p or '').replace('<!--[if!supportLists]-->','').replace('<!--[endif]-->','')
        p = re.sub(r'!supportLists\]-->|<!--\[endif\]-->', '', p)
        if p: out.append(p)
    return out
def cut(text, start=None, end=None):
    if start: text = text[text.index(start):]
    if end: text = text[:text.index(end)]
    return text
def last_sentence(ps):
    # drop an incomplete trailing sentence (excerpts are truncated)
    if ps and not ps[-1].endswith(('。','：')):
        last = ps[-1]
        ps[-1] = last[:last.rfind('。')+1] if '。' in last else ''
    ps = [p for p in ps if p]
    while ps and re.match(r'^[(（][一二三四五六七八九十][)）].{0,15}$', ps[-1]): ps.pop()
    return ps
def write(name, source, parts, repl):
    lines = [f'# SOURCE: {s}' for s in source] + ['# Agency names replaced: ' + ', '.join(f'{a}→{b}' for a,b in repl.items() if not a.startswith('_')) if repl else '# verbatim text']
    for p in parts:
        for a,b in repl.items():
            if not a.startswith('_'): p = p.replace(a,b)
        lines.append(p)
    (OUT/name).write_text('\n'.join(lines)+'\n')
    print(name, len(parts))

T = '[[table:s2]]','[[table:s3]]','[[table:s4]]'
H2,H3,H4 = '二、主动公开政府信息情况','三、收到和处理政府信息公开申请情况','四、政府信息公开行政复议、行政诉讼情况'
def tail_56(dumpname, start='五、'):
    d = dump(dumpname)
    d = d[d.rindex(start):]
    d = d.replace('附件下载','')
    return paras(d)
# Pingtan 2020 (real text, synthetic tables)
d = dump('2020_shiyanqu_annual-report_80595.txt')
intro = paras(cut(d, None, '二、主动公开政府信息情况'))
write('pingtan_2020.txt', ['/work/shared/corpus/pingtan_text/2020_shiyanqu_annual-report_80595.txt'],
      intro + [H2,T[0],H3,T[1],H4,T[2]] + tail_56('2020_shiyanqu_annual-report_80595.txt'), {})
d = dump('2022_shiyanqu_annual-report_80629.txt')
intro = paras(cut(d, None, '二、主动公开政府信息情况'))
write('pingtan_2022.txt', ['/work/shared/corpus/pingtan_text/2022_shiyanqu_annual-report_80629.txt'],
      intro + [H2,T[0],H3,T[1],H4,T[2]] + tail_56('2022_shiyanqu_annual-report_80629.txt'), {})
d = dump('2013_shiyanqu_annual-report_80759.txt')
body = cut(d, '本报告主要根据', '平潭综合实验区政府信息公开情况统计表')
write('pingtan_2013.txt', ['/work/shared/corpus/pingtan_text/2013_shiyanqu_annual-report_80759.txt'],
      paras(body)[:-1] + ['五、平潭综合实验区政府信息公开情况统计表', '[[table:legacy]]'], {})
# Meichuan 2016 (pre-2019 form B) from Pingtan 2016
d = dump('2016_shiyanqu_annual-report_80485.txt')
body = cut(d, '根据《中华人民共和国政府信息公开条例》', '七、平潭综合实验区政府信息公开情况统计表')
write('meichuan_2016.txt', ['/work/shared/corpus/pingtan_text/2016_shiyanqu_annual-report_80485.txt'],
      paras(body) + ['七、梅川区政府信息公开情况统计表', '[[table:legacy]]'],
      {'平潭综合实验区':'梅川区', '福建省':'某省', '闽政办网传〔2016〕33号':'某政办〔2016〕33号'})
ex_tail = {2020: '2020_shiyanqu_annual-report_80595.txt', 2022: '2022_shiyanqu_annual-report_80629.txt',
           2023: '2023_shiyanqu_annual-report_87885.txt'}
def from_excerpt(name, exc, year, repl, start=None):
    e = excerpt(exc)
    if start: e = e[e.index(start):]
    if '二、主动公开政府信息情况' in e: e = e[:e.index('二、主动公开政府信息情况')]
    ps = last_sentence(paras(e))
    tail = tail_56(ex_tail[year])
    write(name, [f'/work/shared/corpus/excerpts/{exc} (一 总体情况)', f'/work/shared/corpus/pingtan_text/{ex_tail[year]} (五, 六)'],
          ps + [H2,T[0],H3,T[1],H4,T[2]] + tail, dict(repl, **{'平潭综合实验区':repl.get('_self','本单位'), '我区':'我'+repl.get('_unit','单位')}))
def R(d): return {k:v for k,v in d.items()}
from_excerpt('liangkou_2020.txt','016_excerpt.txt',2020,{'中村乡':'良口镇','_self':'良口镇','_unit':'镇'}, start='中村乡2020年政府信息公开工作年度报告(以下')
from_excerpt('meichuan_2022.txt','020_excerpt.txt',2022,{'云县':'梅川区','临沧市':'某市','临政办字〔2023〕6号':'某政办字〔2023〕6号','_self':'梅川区','_unit':'区'}, start='一、总体情况')
from_excerpt('chengnan_2022.txt','021_excerpt.txt',2022,{'府谷县人民政府办公室':'城南街道办事处','府谷县人民政府网站':'梅川区人民政府网站','www.fg.gov.cn':'梅川区人民政府网站','_self':'城南街道','_unit':'街道'}, start='本报告根据')
from_excerpt('tongxi_2020.txt','022_excerpt.txt',2020,{'山阳县':'桐溪县','_self':'桐溪县','_unit':'县'}, start='根据《中华人民共和国')
from_excerpt('taiping_2020.txt','018_excerpt.txt',2020,{'湖口县大垅乡':'桐溪县太平镇','大垅乡':'太平镇','大垅集镇':'太平集镇','0792—6532910':'0000—1234567','_self':'太平镇','_unit':'镇'}, start='2020年以来')
from_excerpt('tongxi_czj_2023.txt','019_excerpt.txt',2023,{'区统计局':'桐溪县财政局','统计数据信息':'财政数据信息','统计工作':'财政工作','_self':'桐溪县财政局','_unit':'局'}, start='根据')
