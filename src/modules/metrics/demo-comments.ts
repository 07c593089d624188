import type { ScoreGroup } from './scoring';

/**
 * The demo's comments per touchpoint, so that the comment themes have something real to find: each
 * touchpoint has its own complaints and praise (waiting at the hotline, friendly staff in the stores,
 * late deliveries, checkout errors…), in Vietnamese and English, some Vietnamese typed without accents
 * as customers do on phones. Surveys of a stage or of the whole journey use the general COMMENTS of
 * demo-data.ts.
 */
export type DemoComments = Record<ScoreGroup, { vi: string[]; en: string[] }>;

export const TOUCHPOINT_COMMENTS: Record<string, DemoComments> = {
  'online-ads': {
    detractor: {
      vi: ['Quảng cáo sai sự thật, giá thực tế cao hơn.', 'Giá khác với quảng cáo, thấy bị lừa.', 'Quảng cáo sai sự thật về khuyến mãi.', 'quang cao sai su that, gia khac han'],
      en: ['Misleading ad, the price was different.', 'The ad was misleading about the discount.', 'Misleading ad, nothing like the real offer.'],
    },
    passive: { vi: ['Quảng cáo bình thường, hơi nhiều.'], en: ['Too many ads, but fine.'] },
    promoter: {
      vi: ['Khuyến mãi hấp dẫn, đúng như quảng cáo.', 'Quảng cáo rõ ràng, khuyến mãi hấp dẫn.', 'khuyen mai hap dan, se mua tiep'],
      en: ['Great deal, exactly as advertised.', 'The ad showed a great deal and it was real.'],
    },
  },
  'social-media': {
    detractor: {
      vi: ['Nhắn tin cho fanpage mà trả lời chậm quá.', 'Fanpage trả lời chậm, hai ngày mới thấy phản hồi.', 'tra loi cham, hoi mai khong ai noi'],
      en: ['Slow reply to my messages.', 'They were slow to reply on Facebook.', 'Very slow reply, two days later.'],
    },
    passive: { vi: ['Bài đăng ổn, ít thông tin mới.'], en: ['Posts are OK.'] },
    promoter: {
      vi: ['Nội dung hữu ích, cập nhật thường xuyên.', 'Bài viết có nội dung hữu ích về sản phẩm.', 'noi dung huu ich, de hieu'],
      en: ['Useful posts and tips.', 'Really useful posts about the products.'],
    },
  },
  'product-website': {
    detractor: {
      vi: ['Trang web tải chậm, khó tìm thông tin.', 'Khó tìm thông tin bảo hành trên trang web.', 'Trang web tải chậm trên điện thoại.', 'trang web tai cham qua'],
      en: ['The website is slow to load.', 'Slow to load and hard to find anything.', 'Hard to find the specs, the site is slow to load.'],
    },
    passive: { vi: ['Trang web tạm được.'], en: ['Website is fine.'] },
    promoter: {
      vi: ['Thông tin sản phẩm rõ ràng, dễ so sánh.', 'Thông tin sản phẩm rõ ràng và đầy đủ.', 'thong tin san pham ro rang'],
      en: ['Clear product information.', 'Clear product information and good photos.'],
    },
  },
  'live-chat': {
    detractor: {
      vi: ['Tư vấn viên trả lời máy móc, không hiểu câu hỏi.', 'Trả lời máy móc như robot.', 'tu van vien tra loi may moc'],
      en: ['Canned answers that did not help.', 'Only canned answers from the chat.', 'The agent gave canned answers.'],
    },
    passive: { vi: ['Tư vấn tạm ổn.'], en: ['The chat was OK.'] },
    promoter: {
      vi: ['Tư vấn nhiệt tình, trả lời nhanh.', 'Bạn tư vấn nhiệt tình và hiểu sản phẩm.', 'tu van nhiet tinh lam'],
      en: ['Helpful advice in the chat.', 'Quick and helpful advice.'],
    },
  },
  'online-checkout': {
    detractor: {
      vi: ['Thanh toán bị lỗi, bị trừ tiền hai lần.', 'Thanh toán bị lỗi ở bước cuối.', 'Ứng dụng báo thanh toán bị lỗi mà vẫn trừ tiền.', 'thanh toan bi loi, tru tien 2 lan'],
      en: ['Payment failed and I was charged twice.', 'Payment failed at the last step.', 'Payment failed twice before it worked.'],
    },
    passive: { vi: ['Thanh toán được nhưng hơi nhiều bước.'], en: ['Checkout works, too many steps.'] },
    promoter: {
      vi: ['Thanh toán nhanh gọn, chỉ vài giây.', 'Thanh toán nhanh gọn bằng ví điện tử.', 'thanh toan nhanh gon'],
      en: ['Quick checkout, done in seconds.', 'Quick checkout with my saved card.'],
    },
  },
  'store-purchase': {
    detractor: {
      vi: ['Xếp hàng thanh toán lâu, chỉ mở một quầy.', 'Phải xếp hàng lâu ở quầy thu ngân.', 'xep hang lau qua, it quay'],
      en: ['Long queue at the till.', 'A long queue and only one till open.', 'Long queue again this weekend.'],
    },
    passive: { vi: ['Cửa hàng ổn, hơi đông.'], en: ['Store was busy but fine.'] },
    promoter: {
      vi: ['Nhân viên thân thiện, tư vấn kỹ.', 'Cửa hàng sạch sẽ, nhân viên thân thiện.', 'Nhân viên thân thiện và nhiệt tình.', 'nhan vien than thien, de thuong'],
      en: ['Friendly staff who really listened.', 'Friendly staff and a clean store.', 'Very friendly staff at the counter.'],
    },
  },
  delivery: {
    detractor: {
      vi: ['Giao hàng trễ ba ngày mà không ai báo.', 'Giao hàng trễ hẹn, gọi shipper không nghe.', 'Đơn giao hàng trễ cả tuần.', 'giao hang tre qua, khong bao truoc'],
      en: ['Late delivery and nobody told me.', 'The delivery was three days late.', 'Late delivery again, no update.'],
    },
    passive: { vi: ['Giao đúng hẹn nhưng không báo trước.'], en: ['Arrived on time, no tracking.'] },
    promoter: {
      vi: ['Giao hàng nhanh, đóng gói cẩn thận.', 'Giao hàng nhanh hơn dự kiến.', 'giao hang nhanh, dong goi ky'],
      en: ['Fast delivery and careful packaging.', 'Fast delivery, next day.'],
    },
  },
  onboarding: {
    detractor: {
      vi: ['Hướng dẫn khó hiểu, phải tự mày mò.', 'Tài liệu hướng dẫn khó hiểu quá.', 'huong dan kho hieu'],
      en: ['Confusing instructions.', 'The setup guide was confusing.', 'Confusing instructions for the app.'],
    },
    passive: { vi: ['Hướng dẫn tạm được.'], en: ['Guide was OK.'] },
    promoter: {
      vi: ['Hướng dẫn dễ hiểu, làm theo là được.', 'Video hướng dẫn dễ hiểu.', 'huong dan de hieu'],
      en: ['Easy to follow guide.', 'The steps were easy to follow.'],
    },
  },
  'support-hotline': {
    detractor: {
      vi: ['Gọi tổng đài chờ lâu quá, không ai nghe máy.', 'Phải chờ lâu mới gặp được nhân viên.', 'Chờ lâu, bị chuyển máy nhiều lần.', 'goi tong dai cho lau qua', 'cho lau, khong ai nghe may'],
      en: ['Waited 20 minutes on hold.', 'Long wait before anyone answered.', 'I waited forever on the hotline.'],
    },
    passive: { vi: ['Tổng đài giải quyết được nhưng hơi lâu.'], en: ['Solved, but took a while.'] },
    promoter: {
      vi: ['Giải quyết nhanh ngay trong cuộc gọi đầu tiên.', 'Tổng đài viên giải quyết nhanh và lịch sự.', 'giai quyet nhanh, cam on'],
      en: ['Solved on the first call.', 'The agent solved it on the first call.'],
    },
  },
  'service-center': {
    detractor: {
      vi: ['Sửa chữa lâu, hai tuần chưa xong.', 'Bảo hành sửa chữa lâu quá.', 'sua chua lau, hen mai'],
      en: ['The repair took weeks.', 'Repair took weeks and no updates.', 'Slow repair, took weeks.'],
    },
    passive: { vi: ['Sửa được nhưng hơi lâu.'], en: ['Fixed, eventually.'] },
    promoter: {
      vi: ['Bảo hành nhanh, đổi máy ngay.', 'Thủ tục bảo hành nhanh gọn.', 'bao hanh nhanh'],
      en: ['Quick warranty repair.', 'Quick warranty service, very happy.'],
    },
  },
  'loyalty-program': {
    detractor: {
      vi: ['Khó đổi điểm, ứng dụng báo lỗi.', 'Điểm thưởng bị trừ mà không rõ lý do.', 'kho doi diem qua'],
      en: ['Hard to redeem points.', 'Points are hard to redeem.', 'It is hard to redeem points online.'],
    },
    passive: { vi: ['Chương trình ổn.'], en: ['The program is fine.'] },
    promoter: {
      vi: ['Ưu đãi thành viên hấp dẫn.', 'Nhiều ưu đãi thành viên hấp dẫn.', 'uu dai thanh vien hap dan'],
      en: ['Great member perks.', 'Great member perks every month.'],
    },
  },
  referral: {
    detractor: {
      vi: ['Chưa nhận được thưởng giới thiệu.', 'Giới thiệu bạn rồi mà chưa nhận được thưởng.', 'chua nhan duoc thuong'],
      en: ['Referral bonus never arrived.', 'Still no referral bonus.', 'My referral bonus never arrived.'],
    },
    passive: { vi: ['Chương trình giới thiệu bình thường.'], en: ['Referral is OK.'] },
    promoter: {
      vi: ['Thưởng giới thiệu hấp dẫn, bạn bè cũng thích.', 'Thưởng giới thiệu nhận ngay.', 'thuong gioi thieu hap dan'],
      en: ['Easy referral bonus.', 'Got my referral bonus fast.'],
    },
  },
};
