import { prepareComment } from '../../src/modules/themes/text';
test('try', () => {
for (const s of ['Gọi tổng đài 20 phút không ai nghe máy, chờ lâu quá.', 'goi tong dai cho lau qua, khong ai nghe may', 'Gọi tổng đài chờ lâu quá'.normalize('NFD'), 'Waited 20 minutes on the hotline, no answer.', 'Nhân viên rất nhiệt tình, tư vấn kỹ lưỡng.', 'Friendly staff who really listened.'])
  console.log(JSON.stringify(prepareComment(s, 'vi')));
});
